import { injectable } from 'inversify';
import type { Clock, Timer } from './Clock.js';

/**
 * Wall-clock time. Timers are unref'd: a pending window never keeps the process alive on its
 * own (the sluice drains on `close()` or, by default, when the event loop empties).
 */
@injectable()
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
}
