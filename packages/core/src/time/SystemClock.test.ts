import { afterEach, describe, expect, it, vi } from 'vitest';
import { SystemClock } from './SystemClock.js';

describe('SystemClock', () => {
  afterEach(() => void vi.useRealTimers());

  it('waits out a delay longer than setTimeout allows instead of firing at once', () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const fired = vi.fn();
    clock.setTimer(60 * 86_400_000, fired); // 60 days
    vi.advanceTimersByTime(2 ** 31);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60 * 86_400_000 - 2 ** 31 - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never fires an infinite delay, and cancels a long one at any step', () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const never = vi.fn();
    const cancelled = vi.fn();
    clock.setTimer(Number.POSITIVE_INFINITY, never);
    const timer = clock.setTimer(3e9, cancelled);
    vi.advanceTimersByTime(2 ** 31);
    timer.cancel();
    vi.advanceTimersByTime(1e10);
    expect(never).not.toHaveBeenCalled();
    expect(cancelled).not.toHaveBeenCalled();
  });
});
