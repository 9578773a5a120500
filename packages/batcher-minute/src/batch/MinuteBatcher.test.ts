import { describe, expect, it } from 'vitest';
import { MinuteBatcher } from './MinuteBatcher.js';

const at = (iso: string) => Date.parse(iso);

describe('MinuteBatcher', () => {
  const batcher = new MinuteBatcher({ maxEvents: 0, maxBytes: 0 });

  it('puts a time in its UTC minute [hh:mm:00, hh:mm+1:00)', () => {
    expect(batcher.windowOf(at('2019-05-25T16:14:58.123Z'))).toEqual({
      start: at('2019-05-25T16:14:00Z'),
      end: at('2019-05-25T16:15:00Z'),
    });
    expect(batcher.windowOf(at('2019-05-25T16:14:00.000Z')).start).toBe(at('2019-05-25T16:14:00Z'));
    expect(batcher.windowOf(at('2019-05-25T16:14:59.999Z')).end).toBe(at('2019-05-25T16:15:00Z'));
    expect(batcher.windowOf(at('2019-12-31T23:59:30Z')).end).toBe(at('2020-01-01T00:00:00Z'));
  });

  it('has no cap by default', () => {
    expect(batcher.wouldOverflow({ events: 10_000_000, bytes: 10 ** 12 }, 1_000)).toBe(false);
  });

  it('caps events and bytes when configured', () => {
    const capped = new MinuteBatcher({ maxEvents: 3, maxBytes: 100 });
    expect(capped.wouldOverflow({ events: 2, bytes: 10 }, 10)).toBe(false);
    expect(capped.wouldOverflow({ events: 3, bytes: 10 }, 10)).toBe(true);
    expect(capped.wouldOverflow({ events: 1, bytes: 90 }, 10)).toBe(false);
    expect(capped.wouldOverflow({ events: 1, bytes: 91 }, 10)).toBe(true);
  });
});
