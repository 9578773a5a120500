import { describe, expect, it } from 'vitest';
import { RawJson } from '@sluice/core';
import { bodyText, parseEvents, type ParsedEvents } from './parseEvents.js';

const limits = { lineBytes: 100, eventsPerRequest: 3 };
const e = (payload: unknown, extra = {}) => JSON.stringify({ bucket: 'my-bucket', payload, ...extra });

describe('parseEvents', () => {
  it('reads one JSON event, a JSON array, and NDJSON with CRLF and blank lines, filling in the defaults', () => {
    expect(parseEvents(e(1), false, limits)).toEqual({ ok: true, events: [{ destination: 's3', bucket: 'my-bucket', prefix: '', payload: RawJson.from('1') }], lines: [1] });
    expect(parseEvents(`[${e(1)},${e(2)}]`, false, limits)).toMatchObject({ ok: true, events: [{ payload: RawJson.from('1') }, { payload: RawJson.from('2') }] });
    expect(parseEvents(`${e(1)}\r\n\n${e(2, { id: 'x', prefix: 'p' })}\n`, true, limits)).toMatchObject({
      ok: true,
      events: [{ payload: RawJson.from('1') }, { payload: RawJson.from('2'), id: 'x', prefix: 'p' }],
      lines: [1, 3],
    });
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

  describe('payloads kept as the JSON text received', () => {
    const wide = { lineBytes: 10_000, eventsPerRequest: 100 };
    const payloadsOf = (result: ParsedEvents) => {
      if (!result.ok) throw new Error(`expected events, got ${JSON.stringify(result)}`);
      return result.events.map((event) => (event.payload instanceof RawJson ? event.payload.json : event.payload));
    };

    it('keeps numbers, escapes, key order and repeated keys as sent, in NDJSON, a JSON event and a JSON array', () => {
      const payload = String.raw`{"b":1.0,"a":"caf\u00e9 \"x\"","big":12345678901234567890,"e":1E+2,"a":null}`;
      const line = `{"bucket":"my-bucket","payload":${payload},"prefix":"p"}`;
      expect(payloadsOf(parseEvents(`${line}\n${line}`, true, wide))).toEqual([payload, payload]);
      expect(payloadsOf(parseEvents(line, false, wide))).toEqual([payload]);
      expect(payloadsOf(parseEvents(`[${line}, ${line}]`, false, wide))).toEqual([payload, payload]);
    });

    it('drops whitespace and line breaks between tokens, never inside strings', () => {
      const spaced = '{ "bucket" : "my-bucket" ,\t"payload" : { "a b" : [ 1 ,\r 2 ] , "c" : " x\\ty " , "d" : { } , "e" : [ ] } }';
      expect(payloadsOf(parseEvents(spaced, true, wide))).toEqual(['{"a b":[1,2],"c":" x\\ty ","d":{},"e":[]}']);
      const multiLine = '{"bucket":"my-bucket","payload":{\n  "a": [\n    1,\n    true\n  ]\n}}';
      expect(payloadsOf(parseEvents(multiLine, false, wide))).toEqual(['{"a":[1,true]}']);
      expect(payloadsOf(parseEvents(`[\n${multiLine}\n]\n`, false, wide))).toEqual(['{"a":[1,true]}']);
    });

    it('refuses a payload that is not valid JSON, as JSON.parse does', () => {
      const bad = ['01', '1.', '.5', '-', '1e', '+1', 'NaN', 'tru', 'nul', '"a\tb"', '"\\x"', '"\\u12g4"', '[1,]', '{"a":1,}', '{"a"}', '{a:1}', "'a'", '[1 2]', '"open'];
      const result = parseEvents(bad.map((payload) => `{"bucket":"my-bucket","payload":${payload}}`).join('\n'), true, wide);
      if (result.ok || result.tooMany) throw new Error('expected errors');
      expect(result.errors.map((error) => [error.line, error.error])).toEqual(bad.map((_, i) => [i + 1, 'invalid_json']));
    });

    it('parses envelopes of another shape with JSON.parse, with the same answers as before', () => {
      expect(parseEvents(String.raw`{"bucket":"my-bucket","pay\u006coad":{"a":1.0}}`, false, wide)).toMatchObject({ ok: true, events: [{ payload: { a: 1 } }] });
      expect(parseEvents(String.raw`{"bucket":"my-\u0062ucket","payload":2}`, true, wide)).toMatchObject({ ok: true, events: [{ bucket: 'my-bucket', payload: 2 }] });
      expect(payloadsOf(parseEvents('{"bucket":"my-bucket","payload":1,"payload":[2]}', true, wide))).toEqual(['[2]']);
      const wrong = parseEvents('{"bucket":"my-bucket","payload":1,"id":7}', true, wide);
      expect(wrong).toMatchObject({ ok: false, errors: [{ line: 1, error: 'invalid_event', issues: [{ field: '/id' }] }] });
    });
  });
  it('answers for each line of a body what it answers for that line alone, whatever the lines before it', () => {
    // Lines after a valid one with the same routing fields skip the validator: their answers must not change.
    const wide = { lineBytes: 10_000, eventsPerRequest: 100 };
    const envelope = (fields: Record<string, unknown>) => JSON.stringify({ bucket: 'my-bucket', prefix: 'p', payload: { n: 1 }, ...fields });
    const lines = [
      envelope({}),
      envelope({ id: 'a' }),
      envelope({ id: '' }),
      envelope({ id: 'x'.repeat(200) }),
      envelope({ id: 'x'.repeat(201) }),
      // 200 characters of 400 UTF-16 units: valid, though longer than 200 units.
      envelope({ id: '😀'.repeat(200) }),
      envelope({ id: '😀'.repeat(201) }),
      envelope({ destination: 's3' }),
      envelope({ destination: 's4' }),
      envelope({ destination: undefined }),
      envelope({ prefix: undefined }),
      envelope({ prefix: '../x' }),
      envelope({ bucket: 'other-bucket' }),
      envelope({ bucket: 'UPPER' }),
      envelope({ payload: undefined }),
      envelope({ extra: 1 }),
      envelope({ prefix: 'p', id: 'b' }),
      '{"prefix":"p","payload":{"n":1},"bucket":"my-bucket"}',
      '{"bucket":"my-bucket","prefix":"p","payload":2,"prefix":"q/../"}',
    ];
    const alone = lines.map((line, i) => {
      const result = parseEvents(line, true, wide);
      if (result.ok) return { line: i + 1, event: result.events[0] };
      if (result.tooMany) throw new Error('not expected');
      return { line: i + 1, errors: result.errors.map((error) => ({ ...error, line: i + 1 })) };
    });
    // Forwards, backwards, and each line right after a valid one: the body's own record of routing fields that passed.
    for (const order of [lines.map((_, i) => i), lines.map((_, i) => lines.length - 1 - i), lines.flatMap((_, i) => [0, i])]) {
      const body = order.map((i) => lines[i]).join('\n');
      const together = parseEvents(body, true, wide);
      if (together.ok || together.tooMany) throw new Error('expected errors');
      const expected = order.flatMap((i, at) => (alone[i]?.errors ?? []).map((error) => ({ ...error, line: at + 1 })));
      expect(together.errors).toEqual(expected);
      // Without the refused lines, the rest is accepted with the events each gives alone.
      const goodOrder = order.filter((i) => alone[i]?.event !== undefined);
      const good = parseEvents(goodOrder.map((i) => lines[i]).join('\n'), true, wide);
      expect(good).toEqual({ ok: true, events: goodOrder.map((i) => alone[i]?.event), lines: goodOrder.map((_, at) => at + 1) });
    }
  });
  describe('an NDJSON body of ASCII read as bytes', () => {
    const narrow = { lineBytes: 120, eventsPerRequest: 6 };
    /** What the text path (the body decoded from UTF-8, as every body was read before) answers. */
    const asText = (bytes: Buffer, limits = narrow) => parseEvents(bytes.toString('utf8'), true, limits);
    /** The answer without the payloads' places in the bytes, which only a body read as bytes has. */
    const asBytes = (bytes: Buffer, limits = narrow): ParsedEvents => {
      const result = parseEvents(bytes, true, limits);
      if (!result.ok || !bytesRead(bytes)) return result;
      const { spans, ...rest } = result;
      expect(spans).toHaveLength(2 * result.events.length);
      return rest;
    };
    const bytesRead = (bytes: Buffer) => bodyText(bytes, true) === bytes;

    it('is read as bytes only when all of it is ASCII and it is NDJSON', () => {
      const ascii = Buffer.from(`${e(1)}\n`);
      expect(bodyText(ascii, true)).toBe(ascii);
      expect(bodyText(ascii, false)).toBe(ascii.toString('utf8'));
      for (const other of [Buffer.from(`${e('é')}\n`), Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from(e(1))]), Buffer.from([...Buffer.from(e(1)), 0x0a, 0xff])]) {
        expect(bodyText(other, true)).toBe(other.toString('utf8'));
      }
    });

    it('answers what the text answers: CRLF, blank and space-only lines, escapes, spaces, long lines, bad JSON, bad envelopes, too many', () => {
      const bodies = [
        `${e(1)}\r\n\r\n${e(2, { id: 'x', prefix: 'p' })}\r\n`,
        `  \t\r\n${e(1)}  \t\r\n\f\n\v\n \r \n${e(2)}\r\r\n`,
        String.raw`{"bucket":"my-bucket","payload":{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00"},"id":"q"}`,
        '{ "bucket" : "my-bucket" ,\t"payload" : { "a b" : [ 1 ,\r 2 ] } , "prefix":"p" }\n{"bucket":"my-bucket","payload":[]}',
        `${e('x'.repeat(200))}\n${e(1)}\n{nope\n[1,2]\n"text"\nnull\n${e(2, { bucket: 'UPPER' })}\n${e(3, { extra: true })}`,
        `${e(1)}\n${e(2)}\n${e(3)}\n${e(4)}\n${e(5)}\n${e(6)}\n${e(7)}`,
        '{"bucket":"my-bucket","payload":1,"payload":[2],"bucket":"my-bucket"}\n{"bucket":"my-\\u0062ucket","payload":2}\n{"bucket":"my-bucket","payload":1,"id":7}',
        '{"bucket":"my-bucket","payload":01}\n{"bucket":"my-bucket","payload":"a\tb"}\n{"bucket":"my-bucket","payload":tru}\n{"bucket":"my-bucket","payload":{"a":1,}}',
        '{"bucket":"my-bucket","destination":"s3","prefix":"a/b","payload":{"deep":[[[[{"x":[true,false,null,-0.5e-3]}]]]]}}',
        '{}\n{"payload":1}\n{"bucket":"my-bucket"}\n{"bucket":"my-bucket","payload":1}{"x":1}\n{"bucket":"my-bucket","payload":1} x',
        '',
        '\n\n\r\n',
      ];
      for (const body of bodies) {
        const bytes = Buffer.from(body, 'latin1');
        expect(bodyText(bytes, true)).toBe(bytes);
        expect(asBytes(bytes)).toEqual(asText(bytes));
      }
    });

    it('answers what the text answers over 3,000 bodies of mutated lines, bytes over 0x7f included', () => {
      let state = 20_261_126;
      const next = () => {
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const lines = [
        e({ a: [1, 2.5, 'x'], b: null }),
        e(1, { id: 'evt-1', prefix: 'p/q' }),
        e('caf\\u00e9', { destination: 's3' }),
        '{ "bucket":"my-bucket" , "payload" : [ true ] }',
        '{"bucket":"my-bucket","payload":{"s":"a\\"b\\\\c\\n"}}',
        '',
        '  ',
      ];
      const bytesToInsert = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x3a, 0x2c, 0x20, 0x0a, 0x0d, 0x09, 0x0c, 0x00, 0x7f, 0x30, 0x2d, 0x65, 0x75, 0x80, 0xc3, 0xa9, 0xff, 0xef, 0xbb, 0xbf];
      let read = 0;
      for (let round = 0; round < 3_000; round += 1) {
        const count = 1 + Math.floor(next() * 8);
        let body = Buffer.from(Array.from({ length: count }, () => lines[Math.floor(next() * lines.length)]).join(next() < 0.3 ? '\r\n' : '\n'));
        const edits = Math.floor(next() * 4);
        for (let k = 0; k < edits; k += 1) {
          const at = Math.floor(next() * (body.length + 1));
          // Mostly ASCII, so that most bodies take the byte path; the rest are decoded as text.
          const pool = next() < 0.9 ? bytesToInsert.filter((byte) => byte < 0x80) : bytesToInsert;
          const byte = pool[Math.floor(next() * pool.length)] as number;
          const kind = next();
          body = Buffer.concat([body.subarray(0, at), Buffer.from([byte]), body.subarray(kind < 0.5 ? at : at + 1)]);
        }
        if (bytesRead(body)) read += 1;
        const limits = next() < 0.5 ? narrow : { lineBytes: 10_000, eventsPerRequest: 100 };
        expect(asBytes(body, limits), body.toString('latin1')).toEqual(asText(body, limits));
      }
      expect(read).toBeGreaterThan(1_500);
    });

    it('keeps payloads and routing strings of its own, not views of the body, and says where each payload lies', () => {
      const bytes = Buffer.from(`${e({ a: 1 }, { prefix: 'p', id: 'i' })}\n${e({ b: 2 }, { prefix: 'p' })}\n{"bucket":"my-bucket","pay\\u006coad":3}`);
      const result = parseEvents(bytes, true, narrow);
      if (!result.ok) throw new Error('expected events');
      const [a, b, c, d] = result.spans ?? [];
      expect([bytes.toString('latin1', a, b), bytes.toString('latin1', c, d), result.spans?.slice(4)]).toEqual(['{"a":1}', '{"b":2}', [-1, -1]]);
    });

    it('keeps payloads and routing strings of its own, not views of the body', () => {
      const bytes = Buffer.from(`${e({ a: 1 }, { prefix: 'p', id: 'i' })}\n${e({ b: 2 }, { prefix: 'p' })}`);
      const result = parseEvents(bytes, true, narrow);
      bytes.fill(0x20);
      expect(result).toEqual({
        ok: true,
        events: [
          { bucket: 'my-bucket', prefix: 'p', id: 'i', destination: 's3', payload: RawJson.from('{"a":1}') },
          { bucket: 'my-bucket', prefix: 'p', destination: 's3', payload: RawJson.from('{"b":2}') },
        ],
        lines: [1, 2],
        spans: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)],
      });
    });
  });
});
