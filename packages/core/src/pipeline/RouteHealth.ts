/** What a sluice knows of one route of one destination, as `health()` reports it. */
export interface RouteHealth {
  readonly destination: string;
  readonly route: string;
  /** Accepted and not yet delivered. */
  readonly pendingEvents: number;
  readonly pendingBytes: number;
  /** Accept time of the oldest undelivered event, or undefined when nothing is pending. */
  readonly oldestPendingAt: number | undefined;
  readonly deliveredEvents: number;
  readonly deliveredObjects: number;
  readonly lastDeliveryAt: number | undefined;
  /** The last failed attempt, cleared by the next success. */
  readonly lastError: { readonly at: number; readonly code: string; readonly message: string } | undefined;
  /** Failed attempts since the sluice started. */
  readonly retries: number;
  /** Batches of this route in the dead letters. */
  readonly deadLetters: number;
  /** Fleet mode: of the delivered events and objects, those that came after their window was sealed (late objects). */
  readonly lateEvents?: number;
  readonly lateObjects?: number;
}

/** The counters kept per route; the pending figures are computed from live batches. */
export type RouteCounters = {
  -readonly [K in 'deliveredEvents' | 'deliveredObjects' | 'lastDeliveryAt' | 'lastError' | 'retries']: RouteHealth[K];
};

export function emptyRouteCounters(): RouteCounters {
  return { deliveredEvents: 0, deliveredObjects: 0, lastDeliveryAt: undefined, lastError: undefined, retries: 0 };
}
