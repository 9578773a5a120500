/**
 * The delivered events the sluice named itself, by sequence number, kept as [start, end)
 * runs: consecutive sends to one route are one run, so a batch of 200,000 such events is
 * usually recorded as one pair of numbers, where a map entry per event held the event loop
 * for tens of milliseconds. Each such id names one send, delivered once: no counts needed.
 * Remembers the newest runs that cover at least `capacity` events.
 */
export class DeliveredSequences {
  /** Flat [start, end) pairs in delivery order; the live ones begin at #head. */
  #runs: number[] = [];
  #head = 0;
  #covered = 0;

  constructor(readonly capacity: number) {}

  add(runs: readonly number[]): void {
    for (let i = 0; i + 1 < runs.length; i += 2) {
      const start = runs[i] as number;
      const end = runs[i + 1] as number;
      this.#runs.push(start, end);
      this.#covered += end - start;
    }
    while (this.#head < this.#runs.length) {
      const oldest = (this.#runs[this.#head + 1] as number) - (this.#runs[this.#head] as number);
      if (this.#covered - oldest < this.capacity) break;
      this.#covered -= oldest;
      this.#head += 2;
    }
    // Drop forgotten runs from the array now and then, not on every call.
    if (this.#head >= 1_024 && this.#head * 2 >= this.#runs.length) {
      this.#runs = this.#runs.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Newest first: the ids people look up are mostly recent. */
  has(sequence: number): boolean {
    for (let i = this.#runs.length - 2; i >= this.#head; i -= 2) {
      if (sequence >= (this.#runs[i] as number) && sequence < (this.#runs[i + 1] as number)) return true;
    }
    return false;
  }
}
