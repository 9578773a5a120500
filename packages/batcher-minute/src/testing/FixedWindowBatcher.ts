import type { BatchFill, BatchWindow, Batcher } from '@sluice/core';

/**
 * A batcher for tests and examples: windows of `windowMs` and at most `maxEvents` per batch.
 * Also shows that any rule plugs in where the minute batcher does.
 */
export class FixedWindowBatcher implements Batcher {
  constructor(
    readonly windowMs: number,
    readonly maxEvents = Number.POSITIVE_INFINITY,
  ) {}

  windowOf(now: number): BatchWindow {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    return { start, end: start + this.windowMs };
  }

  wouldOverflow(fill: BatchFill): boolean {
    return fill.events + 1 > this.maxEvents;
  }
}
