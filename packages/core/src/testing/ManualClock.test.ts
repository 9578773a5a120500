import { describe, expect, it } from 'vitest';
import { ManualClock } from './ManualClock.js';

describe('ManualClock', () => {
  it('fires due timers in time order, with the clock at their due time, and skips cancelled ones', async () => {
    const clock = new ManualClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimer(300, () => fired.push(['c', clock.now()]));
    clock.setTimer(100, () => {
      fired.push(['a', clock.now()]);
      clock.setTimer(50, () => fired.push(['a+50', clock.now()]));
    });
    clock.setTimer(200, () => fired.push(['x', clock.now()])).cancel();
    await clock.advance(250);
    expect(fired).toEqual([
      ['a', 100],
      ['a+50', 150],
    ]);
    expect(clock.now()).toBe(250);
    expect(clock.pendingTimers).toBe(1);
    await clock.advanceTo(1_000);
    expect(fired.at(-1)).toEqual(['c', 300]);
  });
});
