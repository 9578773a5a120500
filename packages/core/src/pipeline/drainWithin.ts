import { ShutdownTimeoutError } from '../errors/ShutdownTimeoutError.js';
import type { Clock, Timer } from '../time/Clock.js';

/**
 * Waits for `settled`, or rejects with ShutdownTimeoutError after `timeoutMs` of the clock
 * (no limit when undefined). `undelivered` says, at the deadline, what is left.
 */
export async function drainWithin(
  clock: Clock,
  operation: 'flush' | 'close',
  timeoutMs: number | undefined,
  settled: Promise<void>,
  undelivered: () => { batches: number; events: number },
): Promise<void> {
  if (timeoutMs === undefined) return settled;
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimer(timeoutMs, () => {
      const { batches, events } = undelivered();
      reject(new ShutdownTimeoutError(operation, timeoutMs, batches, events));
    });
  });
  try {
    await Promise.race([settled, timeout]);
  } finally {
    timer?.cancel();
  }
}
