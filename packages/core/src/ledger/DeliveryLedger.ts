import { DeliveredSequences } from './DeliveredSequences.js';

/**
 * Counts, per event id, how many destinations have delivered it (the "Dest" column of an
 * inspector). Bounded: it remembers at most `capacity` recent event ids and forgets the
 * oldest, so memory does not grow with traffic.
 */
export interface DeliveryLedger {
  /**
   * Records one more destination delivered for each event of a batch: `given` are the ids
   * senders gave; `sequenceRuns` the ids the sluice made, by sequence number, as flat
   * [start, end) pairs (numbers are cheaper to keep than the strings they stand for).
   */
  recordDelivered(given: Iterable<string>, sequenceRuns?: readonly number[]): void;
  /** Destinations that delivered the event so far; 0 for an unknown or forgotten id. */
  deliveredCount(id: string | number): number;
}

/**
 * Two generations of counts: ids go to the young map; when it holds half the capacity, it
 * becomes the old map and the previous old map is dropped whole. Every operation is O(1)
 * (evicting one id at a time from a Map is not: V8 walks the deleted slots on each
 * `keys().next()`), and at least the last `capacity / 2` ids are always remembered. Ids the
 * sluice made are kept apart, as runs of sequence numbers (see DeliveredSequences).
 */
export class MemoryDeliveryLedger implements DeliveryLedger {
  #young = new Map<string, number>();
  #old = new Map<string, number>();
  readonly #generation: number;
  readonly #sequences: DeliveredSequences;

  constructor(readonly capacity = 100_000) {
    this.#generation = Math.max(1, Math.ceil(capacity / 2));
    this.#sequences = new DeliveredSequences(capacity);
  }

  recordDelivered(given: Iterable<string>, sequenceRuns: readonly number[] = []): void {
    if (this.capacity === 0) return;
    this.#sequences.add(sequenceRuns);
    for (const id of given) {
      const young = this.#young.get(id);
      if (young !== undefined) {
        this.#young.set(id, young + 1);
        continue;
      }
      const old = this.#old.get(id);
      if (old !== undefined) this.#old.delete(id);
      if (this.#young.size >= this.#generation) {
        this.#old = this.#young;
        this.#young = new Map();
      }
      this.#young.set(id, (old ?? 0) + 1);
    }
  }

  deliveredCount(id: string | number): number {
    if (typeof id === 'number') return this.#sequences.has(id) ? 1 : 0;
    return this.#young.get(id) ?? this.#old.get(id) ?? 0;
  }
}
