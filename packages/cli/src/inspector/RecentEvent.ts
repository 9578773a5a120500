/** Where an event is on its way: accepted, failing and retried, stored, or given up on. */
export type EventStatus = 'pending' | 'retrying' | 'delivered' | 'dead-letter';

/** One accepted event as the inspector and GET /v1/events/:id show it. */
export interface RecentEvent {
  /** Order of acceptance in this collector, for the page to sort and merge updates. */
  readonly seq: number;
  readonly id: string;
  readonly acceptedAt: number;
  readonly destination: string;
  readonly bucket: string;
  readonly prefix: string;
  /** The destination's batching route, matched against `delivered` events. */
  readonly route: string;
  readonly payload: unknown;
  status: EventStatus;
  /** How many destinations delivered this event id (the ledger's count). */
  dest: number;
  /** The object's key once delivered. */
  key: string | undefined;
  /** The error code of the last failed attempt of the event's batch. */
  lastError: string | undefined;
}

/** An accepted event as handed to `RecentEvents.add`: the ring fills in the rest. */
export type NewRecentEvent = Omit<RecentEvent, 'seq' | 'status' | 'dest' | 'key' | 'lastError'>;

/**
 * A {@link NewRecentEvent} with every field of a {@link RecentEvent} in its order, so the
 * objects the ring keeps all share one shape.
 */
export function newRecentEvent(id: string, acceptedAt: number, destination: string, bucket: string, prefix: string, route: string, payload: unknown): NewRecentEvent {
  return { seq: 0, id, acceptedAt, destination, bucket, prefix, route, payload, status: 'pending', dest: 0, key: undefined, lastError: undefined } as RecentEvent;
}

/** What the page receives of an event: everything but the payload, which it shows cut short. */
export interface RecentEventView {
  readonly seq: number;
  readonly id: string;
  readonly time: string;
  readonly destination: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly status: EventStatus;
  readonly dest: number;
  readonly key: string | null;
  readonly lastError: string | null;
  readonly preview: string;
}

const PREVIEW_CHARS = 120;

export function viewOf(event: RecentEvent): RecentEventView {
  let preview: string;
  try {
    // JSON.stringify gives undefined for undefined, a function or a symbol.
    preview = (JSON.stringify as (value: unknown) => string | undefined)(event.payload) ?? '(undefined)';
  } catch {
    preview = '(not JSON)';
  }
  return {
    seq: event.seq,
    id: event.id,
    time: new Date(event.acceptedAt).toISOString(),
    destination: event.destination,
    bucket: event.bucket,
    prefix: event.prefix,
    status: event.status,
    dest: event.dest,
    key: event.key ?? null,
    lastError: event.lastError ?? null,
    preview: preview.length > PREVIEW_CHARS ? `${preview.slice(0, PREVIEW_CHARS - 1)}…` : preview,
  };
}
