/**
 * Counts, per event id, how many destinations have delivered it (the "Dest" column of an
 * inspector). Bounded: it remembers the most recent `capacity` event ids and forgets the
 * oldest, so memory does not grow with traffic.
 */
export interface DeliveryLedger {
  /** Records one more destination delivered for each id. */
  recordDelivered(ids: Iterable<string>): void;
  /** Destinations that delivered the event so far; 0 for an unknown or forgotten id. */
  deliveredCount(id: string): number;
}

export class MemoryDeliveryLedger implements DeliveryLedger {
  // Map keeps insertion order, so the first key is always the oldest: eviction is O(1).
  readonly #counts = new Map<string, number>();

  constructor(readonly capacity = 100_000) {}

  recordDelivered(ids: Iterable<string>): void {
    for (const id of ids) {
      const previous = this.#counts.get(id);
      if (previous !== undefined) {
        this.#counts.set(id, previous + 1);
        continue;
      }
      this.#counts.set(id, 1);
      if (this.#counts.size > this.capacity) {
        this.#counts.delete(this.#counts.keys().next().value as string);
      }
    }
  }

  deliveredCount(id: string): number {
    return this.#counts.get(id) ?? 0;
  }
}
