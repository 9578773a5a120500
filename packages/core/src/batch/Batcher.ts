/** A span of time that batches are grouped by; `end` is when a batch of it falls due. */
export interface BatchWindow {
  /** Inclusive start, ms since the epoch. Part of the batch identity. */
  readonly start: number;
  /** Exclusive end, ms since the epoch: the batch is sealed when the clock reaches it. */
  readonly end: number;
}

/** What a batcher needs to know of an open batch to decide whether it is full. */
export interface BatchFill {
  readonly events: number;
  readonly bytes: number;
}

/**
 * The batching rule: a pure decision, given the time and the batch's fill, never I/O or timers
 * (the pipeline owns those). One rule serves every destination of a sluice.
 *
 * Guarantees the pipeline relies on: `windowOf` is deterministic for a given time and
 * `now` lies in `[start, end)` of the window returned.
 */
export interface Batcher {
  /** The window an event accepted at `now` (ms since the epoch) belongs to. */
  windowOf(now: number): BatchWindow;
  /**
   * Whether appending an event of `nextBytes` to a batch filled as `fill` would break a cap.
   * Only asked when the batch already holds an event, so any single event fits an empty batch.
   * Sizes are counted as the pipeline does: one byte per character when sent, corrected to
   * UTF-8 as the spool converts the records (see SpoolBatch.append), exact for ASCII.
   */
  wouldOverflow(fill: BatchFill, nextBytes: number): boolean;
}
