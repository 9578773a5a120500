import { describe, expect, it } from 'vitest';
import { DeliveredSequences } from './DeliveredSequences.js';

describe('DeliveredSequences', () => {
  it('knows every sequence inside a recorded run and none outside', () => {
    const delivered = new DeliveredSequences(1_000);
    delivered.add([10, 20, 25, 26]);
    expect([9, 10, 19, 20, 24, 25, 26].map((s) => delivered.has(s))).toEqual([false, true, true, false, false, true, false]);
  });

  it('records a run of 200,000 events as one run, and forgets the oldest runs past its capacity', () => {
    const delivered = new DeliveredSequences(100);
    delivered.add([0, 200_000]);
    expect(delivered.has(0) && delivered.has(199_999)).toBe(true);
    delivered.add([200_000, 200_050]);
    expect(delivered.has(5)).toBe(true); // the 50 newest do not cover 100 yet
    delivered.add([300_000, 300_100]);
    expect([delivered.has(5), delivered.has(200_010), delivered.has(300_099)]).toEqual([false, false, true]);
  });

  it('stays bounded when every run is one event long', () => {
    const delivered = new DeliveredSequences(1_000);
    for (let i = 0; i < 100_000; i += 1) delivered.add([i * 2, i * 2 + 1]);
    expect(delivered.has(199_998)).toBe(true);
    expect(delivered.has(2 * 98_000)).toBe(false);
    expect(delivered.has(2 * 99_500)).toBe(true);
  });
});
