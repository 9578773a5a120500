import { availableParallelism } from 'node:os';
import { mainThreadIdle } from './mainThreadIdle.js';

/**
 * How many streams may compress at once. gzip is CPU-bound and runs on libuv's threadpool:
 * more streams than cores only take turns with each other and with the application's main
 * thread, whose turns then stretch (on two cores, four streams tripled the event loop's
 * p99 delay for no gain in throughput).
 *
 * With the default size, one more may start while the main thread is mostly idle (the core
 * left to it has nothing to do: a producer that finished its minute, a backlog being
 * drained at a seal). Never more than the cores in all; an explicit size is kept exactly.
 */
export class CompressionSlots {
  /** Compressions at once while the main thread is busy. */
  readonly size: number;
  /** At most this many at once, when the main thread is idle. */
  readonly most: number;
  #busy = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #idle: () => boolean;

  /**
   * `size` 0: one fewer than the CPU cores, at least one, leaving a core to the event loop,
   * and that core too while `idle()` says the main thread does not use it (see mainThreadIdle).
   */
  constructor(size: number, idle: () => boolean = mainThreadIdle(), cores = availableParallelism()) {
    this.size = size > 0 ? size : Math.max(1, cores - 1);
    this.most = size > 0 ? size : Math.max(this.size, cores);
    this.#idle = idle;
  }

  /** Calls `start` once a slot is free; `start` gets the function that gives the slot back (once). */
  take(start: (release: () => void) => void): void {
    if (this.#free()) {
      this.#busy += 1;
      start(this.#releaser());
    } else {
      this.#waiting.push(() => start(this.#releaser()));
    }
  }

  #free(): boolean {
    return this.#busy < this.size || (this.#busy < this.most && this.#idle());
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#busy -= 1;
      // Released slots start waiters while the rule allows: one, or two when the main thread is idle.
      while (this.#waiting.length > 0 && this.#free()) {
        this.#busy += 1;
        (this.#waiting.shift() as () => void)();
      }
    };
  }
}
