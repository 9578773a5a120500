import { AbortedError } from '../errors/AbortedError.js';
import { ShutdownTimeoutError } from '../errors/ShutdownTimeoutError.js';
import type { Clock, Timer } from '../time/Clock.js';

/**
 * Waits for `settled`, or rejects with ShutdownTimeoutError after `timeoutMs` of the clock
 * (no limit when undefined), or with AbortedError once `signal` is aborted (at once if it
 * already is). `undelivered` says, when it gives up, what is left.
 */
export async function drainWithin(
  clock: Clock,
  operation: 'flush' | 'close',
  { timeoutMs, signal }: { readonly timeoutMs?: number | undefined; readonly signal?: AbortSignal | undefined },
  settled: Promise<void>,
  undelivered: () => { batches: number; events: number },
): Promise<void> {
  if (timeoutMs === undefined && signal === undefined) return settled;
  let timer: Timer | undefined;
  let onAbort: (() => void) | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    if (timeoutMs !== undefined) {
      timer = clock.setTimer(timeoutMs, () => {
        const { batches, events } = undelivered();
        reject(new ShutdownTimeoutError(operation, timeoutMs, batches, events));
      });
    }
    if (signal) {
      onAbort = () => {
        const { batches, events } = undelivered();
        reject(new AbortedError(operation, batches, events, signal.reason));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    await Promise.race([settled, gaveUp]);
  } finally {
    timer?.cancel();
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
