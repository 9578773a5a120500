import { injectable } from 'inversify';
import type { Clock, Timer } from './Clock.js';

/** The longest delay setTimeout takes; a longer one fires at once (with a warning). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Wall-clock time. Timers are unref'd: a pending window never keeps the process alive on its
 * own (the sluice drains on `close()` or, by default, when the event loop empties). Delays
 * past setTimeout's limit (about 24.8 days) are waited out in steps, and an infinite delay
 * never fires.
 */
@injectable()
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    if (delayMs === Number.POSITIVE_INFINITY) return { cancel: () => {} };
    const due = Date.now() + Math.max(0, delayMs);
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const remaining = due - Date.now();
      handle = setTimeout(remaining > MAX_TIMEOUT_MS ? arm : callback, Math.min(Math.max(0, remaining), MAX_TIMEOUT_MS));
      handle.unref();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  }
}
