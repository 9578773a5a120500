import { availableParallelism } from 'node:os';

/**
 * How many streams may compress at once. gzip is CPU-bound and runs on libuv's threadpool:
 * more streams than cores only take turns with each other and with the application's main
 * thread, whose turns then stretch (on two cores, four streams tripled the event loop's
 * p99 delay for no gain in throughput).
 */
export class CompressionSlots {
  readonly size: number;
  #free: number;
  readonly #waiting: Array<() => void> = [];

  /** `size` 0: one fewer than the CPU cores, at least one, leaving a core to the event loop. */
  constructor(size: number) {
    this.size = size > 0 ? size : Math.max(1, availableParallelism() - 1);
    this.#free = this.size;
  }

  /** Calls `start` once a slot is free; `start` gets the function that gives the slot back (once). */
  take(start: (release: () => void) => void): void {
    if (this.#free > 0) {
      this.#free -= 1;
      start(this.#releaser());
    } else {
      this.#waiting.push(() => start(this.#releaser()));
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    };
  }
}
