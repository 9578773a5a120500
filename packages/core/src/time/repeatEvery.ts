import type { Clock, Timer } from './Clock.js';

/** Calls `callback` every `intervalMs` of the clock's time until the returned timer is cancelled. */
export function repeatEvery(clock: Clock, intervalMs: number, callback: () => void): Timer {
  let current: Timer | undefined;
  let cancelled = false;
  const schedule = (): void => {
    current = clock.setTimer(intervalMs, () => {
      if (cancelled) return;
      callback();
      if (!cancelled) schedule();
    });
  };
  schedule();
  return {
    cancel: () => {
      cancelled = true;
      current?.cancel();
    },
  };
}
