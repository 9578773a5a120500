import { inject, injectable } from 'inversify';
import type { BatchFill, BatchWindow, Batcher } from '@sluice/core';
import type { MinuteBatcherOptions } from '../config.js';
import { MINUTE_BATCHER_OPTIONS } from '../di/tokens.js';

const MINUTE_MS = 60_000;

/**
 * One batch per destination route and UTC minute: an event accepted at 12:34:56.789 belongs
 * to [12:34:00, 12:35:00) and is delivered after 12:35:00. With `maxEvents` or `maxBytes` a
 * busy minute is split into several complete batches (sequence 0, 1, …).
 *
 * Epoch milliseconds are UTC, and a minute is 60,000 of them (leap seconds are smeared by
 * the OS clock), so flooring to a multiple of 60,000 is exactly the UTC minute.
 */
@injectable()
export class MinuteBatcher implements Batcher {
  constructor(@inject(MINUTE_BATCHER_OPTIONS) private readonly options: MinuteBatcherOptions) {}

  windowOf(now: number): BatchWindow {
    const start = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    return { start, end: start + MINUTE_MS };
  }

  wouldOverflow(fill: BatchFill, nextBytes: number): boolean {
    const { maxEvents, maxBytes } = this.options;
    return (maxEvents > 0 && fill.events + 1 > maxEvents) || (maxBytes > 0 && fill.bytes + nextBytes > maxBytes);
  }
}
