import { describe, expect, it } from 'vitest';
import { CompressionSlots } from './CompressionSlots.js';

describe('CompressionSlots', () => {
  it('starts at most `size` at once and the next waiter when one is given back', () => {
    const slots = new CompressionSlots(2);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    for (let i = 0; i < 4; i += 1) slots.take((release) => (started.push(i), releases.push(release)));
    expect(started).toEqual([0, 1]);
    releases[0]!();
    releases[0]!(); // a second call gives nothing back twice
    expect(started).toEqual([0, 1, 2]);
    releases[1]!();
    releases[2]!();
    releases[3]!();
    slots.take(() => started.push(4));
    slots.take(() => started.push(5));
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('defaults to one fewer than the cores, at least one', () => {
    expect(new CompressionSlots(0).size).toBeGreaterThanOrEqual(1);
    expect(new CompressionSlots(3).size).toBe(3);
  });
});
