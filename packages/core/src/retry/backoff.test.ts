import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff.js';

const options = { initialDelayMs: 1_000, maxDelayMs: 30_000, permanentErrorDelayMs: 300_000 };

describe('retryDelay', () => {
  it('doubles per failure between half and all of the ceiling, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(options, n, true, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000,
    ]);
    expect([1, 2, 6, 40].map((n) => retryDelay(options, n, true, () => 1))).toEqual([1_000, 2_000, 30_000, 30_000]);
  });

  it('waits the long permanent delay, ±20 %, after errors retrying cannot fix', () => {
    expect(retryDelay(options, 1, false, () => 0)).toBe(240_000);
    expect(retryDelay(options, 9, false, () => 1)).toBe(360_000);
  });
});
