/**
 * Items handled per turn of the event loop when a burst is spread out: under 2 ms of sealing
 * on a quiet machine (a seal and what it starts cost about 6 µs).
 */
export const SLICE_ITEMS = 250;

/** Work spread over turns of the event loop: `done` resolves after the last item or a cancel. */
export interface Sliced {
  readonly done: Promise<void>;
  /** Handles no more items (those already handled stay handled); harmless twice. */
  cancel(): void;
}

/**
 * Calls `each` on every item in order, `size` of them per turn of the event loop: the first
 * slice at once, each next one from a setImmediate. A burst of thousands then never holds the loop longer than one slice, and I/O
 * that arrives in between is served.
 */
export function inSlices<T>(items: readonly T[], size: number, each: (item: T) => void): Sliced {
  let index = 0;
  let handle: NodeJS.Immediate | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const step = (): void => {
    handle = undefined;
    const end = Math.min(items.length, index + size);
    while (index < end) each(items[index++] as T);
    if (index < items.length) {
      handle = setImmediate(step);
    } else finish();
  };
  step();
  return {
    done,
    cancel: () => {
      if (handle) clearImmediate(handle);
      handle = undefined;
      index = items.length;
      finish();
    },
  };
}
