import type { Destination } from '../destination/Destination.js';
import type { CommonSendParams } from '../send/SendApi.js';
import type { Validator } from '../validation/ajv.js';
import type { Batch } from './Batch.js';
import type { RouteCache } from './RouteCache.js';
import type { RouteCounters } from './RouteHealth.js';

/** What the pipeline keeps per destination: its validator, open batches and health per route. */
export interface DestinationState {
  readonly destination: Destination;
  readonly validate: Validator<object & CommonSendParams>;
  /** Routes of parameter sets validated before, by their routing fields. */
  readonly routes: RouteCache;
  /** The open batch of each route. */
  readonly open: Map<string, Batch>;
  /** Per route: the window of the last batch opened and the next sequence number in it. */
  readonly sequences: Map<string, { windowStart: number; next: number }>;
  readonly counters: Map<string, RouteCounters>;
}
