import { describe, expect, it } from 'vitest';
import { parseEvents } from './parseEvents.js';

const limits = { lineBytes: 100, eventsPerRequest: 3 };
const e = (payload: unknown, extra = {}) => JSON.stringify({ bucket: 'my-bucket', payload, ...extra });

describe('parseEvents', () => {
  it('reads one JSON event, a JSON array, and NDJSON with CRLF and blank lines, filling in the defaults', () => {
    expect(parseEvents(e(1), false, limits)).toEqual({ ok: true, events: [{ destination: 's3', bucket: 'my-bucket', prefix: '', payload: 1 }], lines: [1] });
    expect(parseEvents(`[${e(1)},${e(2)}]`, false, limits)).toMatchObject({ ok: true, events: [{ payload: 1 }, { payload: 2 }] });
    expect(parseEvents(`${e(1)}\r\n\n${e(2, { id: 'x', prefix: 'p' })}\n`, true, limits)).toMatchObject({ ok: true, events: [{ payload: 1 }, { payload: 2, id: 'x', prefix: 'p' }], lines: [1, 3] });
  });

  it('names every bad line with its number, and accepts none of the request', () => {
    const result = parseEvents([e(1), '{nope', e(2, { bucket: 'UPPER' }), e('x'.repeat(200))].join('\n'), true, { ...limits, eventsPerRequest: 10 });
    expect(result.ok).toBe(false);
    if (result.ok || result.tooMany) throw new Error('expected errors');
    expect(result.errors.map((error) => [error.line, error.error])).toEqual([[2, 'invalid_json'], [3, 'invalid_event'], [4, 'line_too_long']]);
    expect(result.errors[1]?.issues?.[0]).toMatchObject({ field: '/bucket', fix: expect.stringContaining('lowercase') });
  });

  it('refuses an unknown destination and an unknown key', () => {
    const result = parseEvents(JSON.stringify({ destination: 'kafka', bucket: 'my-bucket', payload: 1, extra: true }), false, limits);
    if (result.ok || result.tooMany) throw new Error('expected errors');
    expect(result.errors[0]?.message).toMatch(/\/destination must be equal to one of the allowed values/);
    expect(result.errors[0]?.message).toMatch(/\/extra is not a known option/);
  });

  it('counts more events than allowed as too many, for NDJSON and arrays', () => {
    expect(parseEvents([e(1), e(2), e(3), e(4)].join('\n'), true, limits)).toMatchObject({ ok: false, tooMany: true });
    expect(parseEvents(`[${[e(1), e(2), e(3), e(4)].join(',')}]`, false, limits)).toMatchObject({ ok: false, tooMany: true });
  });

  it('measures lines in UTF-8 bytes, not characters', () => {
    const result = parseEvents(e('é'.repeat(40)), true, { lineBytes: 100, eventsPerRequest: 3 });
    expect(result).toMatchObject({ ok: false, errors: [{ error: 'line_too_long' }] });
  });
});
