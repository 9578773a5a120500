import type { SluiceOptions } from '../config.js';

export type UploadConcurrencyOptions = Pick<SluiceOptions, 'maxConcurrentUploads' | 'maxConcurrentSmallUploads' | 'maxUploadBytesInFlight'>;

/**
 * How many uploads may run at once. `maxConcurrentUploads` attempts may always run, whatever
 * their size: that is what a big multipart object needs. Past them, an attempt starts only
 * while the records of every attempt in flight, its own included, stay within
 * `maxUploadBytesInFlight`, and while fewer than the current limit run. So a flush of many
 * small objects (10,000 destinations at the end of a minute) is limited by the server's
 * round trips rather than by four at a time, and a flush of big ones stays where it was.
 *
 * The limit adapts, additive increase and multiplicative decrease on outcomes: it starts at
 * `maxConcurrentUploads`, grows by one with each stored batch up to
 * `maxConcurrentSmallUploads`, and halves (never below `maxConcurrentUploads`) after each
 * failed attempt, so a server that answers SlowDown or times out is given fewer requests at
 * once, and one that keeps up is given more.
 */
export class UploadConcurrency {
  readonly #base: number;
  readonly #cap: number;
  readonly #budget: number;
  #limit: number;
  #running = 0;
  #bytes = 0;

  constructor(options: UploadConcurrencyOptions) {
    this.#base = options.maxConcurrentUploads;
    this.#cap = Math.max(options.maxConcurrentSmallUploads, this.#base);
    this.#budget = options.maxUploadBytesInFlight;
    this.#limit = this.#base;
  }

  /** How many attempts may run at once now, if they are small enough. */
  get limit(): number {
    return this.#limit;
  }

  /** Attempts in flight. */
  get running(): number {
    return this.#running;
  }

  /** Bytes of records of the attempts in flight. */
  get bytesInFlight(): number {
    return this.#bytes;
  }

  /** True if an attempt at a batch of `bytes` may start now. */
  canStart(bytes: number): boolean {
    if (this.#running < this.#base) return true;
    return this.#running < this.#limit && this.#bytes + bytes <= this.#budget;
  }

  /** Counts an attempt that starts now. */
  started(bytes: number): void {
    this.#running += 1;
    this.#bytes += bytes;
  }

  /** Counts an attempt that ended, stored (`ok`) or failed, and adapts the limit to it. */
  ended(bytes: number, ok: boolean): void {
    this.#running -= 1;
    this.#bytes -= bytes;
    this.#limit = ok ? Math.min(this.#cap, this.#limit + 1) : Math.max(this.#base, Math.floor(this.#limit / 2));
  }
}
