/** A timer created by a {@link Clock}; cancelling twice is harmless. */
export interface Timer {
  cancel(): void;
}

/**
 * The only source of time in Sluice. Every window, key timestamp, timeout and retry delay is
 * decided through it, so tests can run minutes of traffic in milliseconds with a manual clock.
 *
 * Default: {@link SystemClock} (wall time, unref'd timers that never keep a process alive).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  now(): number;
  /** Calls `callback` once after `delayMs` (0 or more) milliseconds of this clock's time. */
  setTimer(delayMs: number, callback: () => void): Timer;
}
