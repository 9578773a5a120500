import type { Clock, Sluice } from '@sluice/core';
import type { CollectorConfig } from '../config.js';
import type { RecentEvents } from '../inspector/RecentEvents.js';
import type { Metrics } from './Metrics.js';

/**
 * What the collector's route handlers read and change of the `Collector` that serves
 * them. The collector owns this state; handlers only report what they saw through it.
 */
export interface CollectorContext {
  readonly config: CollectorConfig;
  /** The sluice events are sent to. */
  readonly sluice: Sluice;
  /** Time of the inspector's rows. */
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** The ring of recent events the inspector and GET /v1/events/:id read. */
  readonly recent: RecentEvents;
  /** `sluice.maxPendingBytes`, or infinity when it is not set. */
  readonly maxPendingBytes: number;
  /** Whether close() has begun: new events are refused from then on. */
  isStopping(): boolean;
  /** Marks the collector backpressured until the sluice's `ready` event or a delivery clears it. */
  backpressured(): void;
  /** Records the spool failure of a send, or clears it (`undefined`) once an event is stored. */
  setSpoolFailure(message: string | undefined): void;
  /** Why the collector should not get traffic now; empty when ready. */
  notReady(): string[];
}
