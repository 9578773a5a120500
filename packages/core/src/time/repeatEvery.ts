import type { Clock, Timer } from './Clock.js';

/** Calls `callback` every `intervalMs` of the clock's time until the returned timer is cancelled. */
export function repeatEvery(clock: Clock, intervalMs: number, callback: () => void): Timer {
  const state: { current?: Timer; cancelled: boolean } = { cancelled: false };
  const schedule = (): void => {
    state.current = clock.setTimer(intervalMs, () => {
      callback();
      // The callback may have cancelled the repetition.
      if (!state.cancelled) schedule();
    });
  };
  schedule();
  return {
    cancel: () => {
      state.cancelled = true;
      state.current?.cancel();
    },
  };
}
