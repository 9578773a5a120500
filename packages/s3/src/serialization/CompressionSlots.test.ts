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

  it('at its default size, starts one more while the main thread is idle, never more than the cores; an explicit size stays exact', () => {
    let idle = false;
    const slots = new CompressionSlots(0, () => idle, 2);
    expect([slots.size, slots.most]).toEqual([1, 2]);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    for (let i = 0; i < 4; i += 1) slots.take((release) => (started.push(i), releases.push(release)));
    expect(started).toEqual([0]); // a busy main thread keeps its core
    idle = true;
    releases.shift()?.();
    expect(started).toEqual([0, 1, 2]); // the released slot and the idle core, both put to work
    idle = false;
    releases.shift()?.();
    expect(started).toEqual([0, 1, 2]); // busy again: the one running is the size
    releases.shift()?.();
    expect(started).toEqual([0, 1, 2, 3]);
    idle = true;
    slots.take(() => started.push(4));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    slots.take(() => started.push(5));
    expect(started).toEqual([0, 1, 2, 3, 4]); // two running on two cores: no more

    const exact = new CompressionSlots(1, () => true, 2);
    expect(exact.most).toBe(1);
    let exactStarted = 0;
    exact.take(() => (exactStarted += 1));
    exact.take(() => (exactStarted += 1));
    expect(exactStarted).toBe(1);
  });
});
