import type { Clock, Timer } from '../time/Clock.js';

interface Scheduled {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer due, in time order,
 * letting promise callbacks settle between them, so a test can run an hour of traffic,
 * retries and window ends in milliseconds.
 */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  #timers: Scheduled[] = [];

  /** @param start the initial time: ms since the epoch or an ISO string. */
  constructor(start: number | string = '2024-01-01T00:00:00.000Z') {
    this.#now = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const entry: Scheduled = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback, cancelled: false };
    this.#timers.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Sets the time without firing timers (for a clock that jumps, as after a suspend). */
  set(time: number | string): void {
    this.#now = typeof time === 'string' ? Date.parse(time) : time;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      const next = this.#timers.reduce<Scheduled | undefined>(
        (best, t) => (t.at <= target && (!best || t.at < best.at || (t.at === best.at && t.order < best.order)) ? t : best),
        undefined,
      );
      if (!next) break;
      this.#now = Math.max(this.#now, next.at);
      next.cancelled = true;
      next.callback();
    }
    this.#now = target;
    await settle();
  }

  /** Moves to an absolute time (ISO string or ms), firing timers on the way. */
  advanceTo(time: number | string): Promise<void> {
    const target = typeof time === 'string' ? Date.parse(time) : time;
    return this.advance(Math.max(0, target - this.#now));
  }
}

/** Lets queued promise callbacks and I/O callbacks of already-finished work run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
