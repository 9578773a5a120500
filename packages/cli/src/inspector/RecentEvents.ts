import type { DeadLetter, DeliveredEvent, DeliveryErrorEvent } from '@sluice/core';
import type { NewRecentEvent, RecentEvent } from './RecentEvent.js';

/** What RecentEvents reports to its listener: events new in the ring, and events whose state changed. */
export interface RecentEventsChange {
  readonly added: readonly RecentEvent[];
  readonly updated: readonly RecentEvent[];
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The bounded ring of recent events behind the inspector and GET /v1/events/:id: the last
 * `capacity` accepted events, each with its status, key and Dest count. Memory is bounded by
 * `capacity` whatever the traffic. Undelivered events are listed by route, so a delivered
 * batch touches only the events of its route.
 *
 * Adding costs no hashing per event: the ring is not indexed by id (a lookup reads the ring
 * from its newest event, see `get`), and a route's list of undelivered events is an array
 * that events leave when delivered, or when a later delivery or clean-up finds them out of
 * the ring. A Map and a Set entry per event cost a request of 1,000 events a tenth of its
 * time in the ring.
 */
export class RecentEvents {
  readonly #ring: Array<RecentEvent | undefined>;
  #next = 0;
  /** The seq the next event gets: the ring holds the events numbered from `#seq - capacity` on. */
  #seq = 0;
  /** Per route, its undelivered events in the order added; some may be out of the ring already. */
  #pendingByRoute = new Map<string, RecentEvent[]>();
  /** Entries in the lists of `#pendingByRoute`: past twice the capacity, the lists drop what left the ring. */
  #listed = 0;

  /**
   * @param capacity how many events are kept; the oldest is dropped first.
   * @param deliveredCount the sluice's Dest count of an event id.
   * @param onChange called synchronously after every change.
   */
  constructor(
    readonly capacity: number,
    private readonly deliveredCount: (id: string) => number,
    private readonly onChange: (change: RecentEventsChange) => void = () => {},
  ) {
    this.#ring = new Array<RecentEvent | undefined>(capacity).fill(undefined);
  }

  /**
   * Records accepted events (only the last `capacity` of them can stay). The ring keeps the
   * objects it is given, with `seq` and the state fields set afresh: pass new ones, made in
   * the field order of {@link RecentEvent} (see `newRecentEvent`), and keep no reference.
   */
  add(events: ReadonlyArray<NewRecentEvent>): void {
    const kept = (events.length > this.capacity ? events.slice(-this.capacity) : events) as ReadonlyArray<Writable<RecentEvent>>;
    if (kept.length === 0) return;
    this.#seq += events.length - kept.length;
    // A request that fills the ring replaces all of it: the lists of undelivered events start afresh.
    if (kept.length === this.capacity) {
      this.#pendingByRoute = new Map();
      this.#listed = 0;
    }
    let route: string | undefined;
    let pending: RecentEvent[] | undefined;
    for (const entry of kept) {
      // Kept as given, not copied: a copy per event was a ring's worth of garbage per request.
      entry.seq = this.#seq++;
      entry.status = 'pending';
      entry.dest = 0;
      entry.key = undefined;
      entry.lastError = undefined;
      this.#ring[this.#next] = entry;
      this.#next = this.#next + 1 === this.capacity ? 0 : this.#next + 1;
      // The events of a request mostly share one route: its list is looked up once per run.
      if (entry.route !== route || !pending) {
        route = entry.route;
        pending = this.#pendingByRoute.get(route);
        if (!pending) this.#pendingByRoute.set(route, (pending = []));
      }
      pending.push(entry);
    }
    this.#listed += kept.length;
    if (this.#listed > 2 * this.capacity) this.#dropEvicted();
    this.onChange({ added: kept, updated: [] });
  }

  /** A batch was stored: its events (those whose Dest count rose) get the key and status. */
  delivered(event: DeliveredEvent): void {
    const pending = this.#pendingByRoute.get(event.route);
    if (!pending) return;
    const updated: RecentEvent[] = [];
    const still: RecentEvent[] = [];
    for (const entry of pending) {
      if (!this.#inRing(entry)) continue;
      const dest = this.deliveredCount(entry.id);
      if (dest <= entry.dest) {
        still.push(entry);
        continue;
      }
      entry.dest = dest;
      entry.key = event.key;
      entry.status = 'delivered';
      entry.lastError = undefined;
      updated.push(entry);
    }
    this.#relist(event.route, pending, still);
    if (updated.length > 0) this.onChange({ added: [], updated });
  }

  /** An attempt failed: the route's undelivered events are retrying. */
  deliveryError(event: DeliveryErrorEvent): void {
    this.#markRoute(event.route, 'retrying', event.code);
  }

  /** A batch was given up on: the route's undelivered events are dead letters (until replayed). */
  deadLetter(letter: DeadLetter): void {
    this.#markRoute(letter.route, 'dead-letter', letter.reason.code);
  }

  /**
   * The most recent event with this id, if still in the ring. Reads the ring from its newest
   * event: a lookup costs up to `capacity` comparisons, so that adding costs none.
   */
  get(id: string): RecentEvent | undefined {
    for (let i = 1; i <= this.capacity; i += 1) {
      const entry = this.#ring[(this.#next - i + this.capacity) % this.capacity];
      if (!entry) return undefined;
      if (entry.id === id) return entry;
    }
    return undefined;
  }

  /** The events in the ring, oldest first. */
  list(): RecentEvent[] {
    const events: RecentEvent[] = [];
    for (let i = 0; i < this.capacity; i += 1) {
      const entry = this.#ring[(this.#next + i) % this.capacity];
      if (entry) events.push(entry);
    }
    return events;
  }

  #markRoute(route: string, status: 'retrying' | 'dead-letter', code: string): void {
    const pending = this.#pendingByRoute.get(route);
    if (!pending) return;
    const updated: RecentEvent[] = [];
    const still: RecentEvent[] = [];
    for (const entry of pending) {
      if (!this.#inRing(entry)) continue;
      still.push(entry);
      if (entry.status === status && entry.lastError === code) continue;
      entry.status = status;
      entry.lastError = code;
      updated.push(entry);
    }
    this.#relist(route, pending, still);
    if (updated.length > 0) this.onChange({ added: [], updated });
  }

  /** Whether `entry` is still one of the ring's events (the ring holds the last `capacity` seqs). */
  #inRing(entry: RecentEvent): boolean {
    return entry.seq >= this.#seq - this.capacity;
  }

  /** Replaces a route's list (`was`) with the events still undelivered in the ring (`still`). */
  #relist(route: string, was: readonly RecentEvent[], still: RecentEvent[]): void {
    this.#listed -= was.length - still.length;
    if (still.length === 0) this.#pendingByRoute.delete(route);
    else this.#pendingByRoute.set(route, still);
  }

  /** Drops the events out of the ring from every route's list: keeps the lists within twice the capacity. */
  #dropEvicted(): void {
    for (const [route, pending] of this.#pendingByRoute) {
      this.#relist(
        route,
        pending,
        pending.filter((entry) => this.#inRing(entry)),
      );
    }
  }
}
