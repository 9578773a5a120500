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
 * `capacity` whatever the traffic. Undelivered events are indexed by route, so a delivered
 * batch touches only the events of its route.
 */
export class RecentEvents {
  readonly #ring: Array<RecentEvent | undefined>;
  #next = 0;
  #seq = 0;
  #byId = new Map<string, RecentEvent>();
  #pendingByRoute = new Map<string, Set<RecentEvent>>();

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
    const kept = events.length > this.capacity ? events.slice(-this.capacity) : events;
    this.#seq += events.length - kept.length;
    const added: RecentEvent[] = [];
    // A request that fills the ring replaces all of it: dropping the indexes whole costs
    // nothing, evicting a ring's worth one by one cost a fifth of the collector's time per event.
    const replacesAll = kept.length === this.capacity;
    if (replacesAll) {
      this.#byId = new Map();
      this.#pendingByRoute = new Map();
    }
    for (const event of kept) {
      // Kept as given, not copied: a copy per event was a ring's worth of garbage per request.
      const entry = event as Writable<RecentEvent>;
      entry.seq = this.#seq++;
      entry.status = 'pending';
      entry.dest = 0;
      entry.key = undefined;
      entry.lastError = undefined;
      if (!replacesAll) this.#evict(this.#ring[this.#next]);
      this.#ring[this.#next] = entry;
      this.#next = (this.#next + 1) % this.capacity;
      this.#byId.set(entry.id, entry);
      let pending = this.#pendingByRoute.get(entry.route);
      if (!pending) this.#pendingByRoute.set(entry.route, (pending = new Set()));
      pending.add(entry);
      added.push(entry);
    }
    if (added.length > 0) this.onChange({ added, updated: [] });
  }

  /** A batch was stored: its events (those whose Dest count rose) get the key and status. */
  delivered(event: DeliveredEvent): void {
    const pending = this.#pendingByRoute.get(event.route);
    if (!pending) return;
    const updated: RecentEvent[] = [];
    for (const entry of pending) {
      const dest = this.deliveredCount(entry.id);
      if (dest <= entry.dest) continue;
      entry.dest = dest;
      entry.key = event.key;
      entry.status = 'delivered';
      entry.lastError = undefined;
      pending.delete(entry);
      updated.push(entry);
    }
    if (pending.size === 0) this.#pendingByRoute.delete(event.route);
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

  /** The most recent event with this id, if still in the ring. */
  get(id: string): RecentEvent | undefined {
    return this.#byId.get(id);
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
    const updated: RecentEvent[] = [];
    for (const entry of this.#pendingByRoute.get(route) ?? []) {
      if (entry.status === status && entry.lastError === code) continue;
      entry.status = status;
      entry.lastError = code;
      updated.push(entry);
    }
    if (updated.length > 0) this.onChange({ added: [], updated });
  }

  #evict(entry: RecentEvent | undefined): void {
    if (!entry) return;
    if (this.#byId.get(entry.id) === entry) this.#byId.delete(entry.id);
    const pending = this.#pendingByRoute.get(entry.route);
    if (pending?.delete(entry) && pending.size === 0) this.#pendingByRoute.delete(entry.route);
  }
}
