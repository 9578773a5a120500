import { BackpressureError } from '../errors/BackpressureError.js';
import type { Batch } from './Batch.js';

/**
 * Counts the bytes accepted and not yet delivered (open and sealed batches) against
 * `maxPendingBytes`. Past the limit `admit` throws BackpressureError; once the count falls
 * to three quarters of it, `ready()` resolves and `onReady` fires. The margin keeps a
 * producer from bouncing off the limit event by event.
 */
export class PendingBytesGate {
  #bytes = 0;
  #waiters: Array<() => void> = [];
  /** A BackpressureError was thrown since the last time the gate opened. */
  #refused = false;

  constructor(
    private readonly limit: number,
    private readonly onReady: () => void,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** Throws BackpressureError if `bytes` more would pass the limit; counts nothing. */
  admit(bytes: number): void {
    if (this.#bytes + bytes > this.limit) {
      this.#refused = true;
      throw new BackpressureError(this.#bytes, this.limit);
    }
  }

  /** Counts `bytes` more of `batch`. */
  add(bytes: number, batch: Batch): void {
    this.#bytes += bytes;
    batch.countPending(bytes);
  }

  /** Stops counting `bytes` of `batch` (default: all it still counts: delivered or buried). */
  release(batch: Batch, bytes: number = batch.pendingBytes): void {
    this.#bytes -= bytes;
    batch.countPending(-bytes);
    if ((this.#waiters.length > 0 || this.#refused) && this.#belowLowWater()) {
      const waiters = this.#waiters;
      this.#waiters = [];
      this.#refused = false;
      for (const resolve of waiters) resolve();
      this.onReady();
    }
  }

  /** Resolves once pending bytes are at or under three quarters of the limit (at once if they are). */
  ready(): Promise<void> {
    if (this.#belowLowWater()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #belowLowWater(): boolean {
    return this.#bytes <= this.limit * 0.75;
  }
}
