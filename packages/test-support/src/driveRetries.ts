import type { DeliveryErrorEvent, Sluice } from '@sluice/core';
import type { ManualClock } from '@sluice/core/testing';

/**
 * Waits for `done` while moving the manual clock to every retry the sluice schedules: each
 * `deliveryError` is answered by advancing the clock by its `retryInMs`, one advance at a
 * time (concurrent advances could move the clock backwards). It reacts to events only, so
 * it takes as long as the uploads take, however loaded the machine is.
 *
 * `firstAdvanceMs` covers retries scheduled before it was called (their errors are past).
 */
export async function driveRetries<T>(sluice: Sluice, clock: ManualClock, done: Promise<T>, firstAdvanceMs = 0): Promise<T> {
  let advanceMs = firstAdvanceMs;
  let wake: (() => void) | undefined;
  const onError = (event: DeliveryErrorEvent): void => {
    advanceMs = Math.max(advanceMs, event.retryInMs);
    wake?.();
  };
  let settled = false;
  const outcome = done.finally(() => {
    settled = true;
    wake?.();
  });
  // The outcome is awaited below; this keeps an early rejection from being reported as unhandled.
  outcome.catch(() => {});
  sluice.on('deliveryError', onError);
  try {
    while (!settled) {
      if (advanceMs > 0) {
        const ms = advanceMs;
        advanceMs = 0;
        await clock.advance(ms);
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return await outcome;
  } finally {
    sluice.off('deliveryError', onError);
  }
}
