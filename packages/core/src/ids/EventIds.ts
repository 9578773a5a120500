/**
 * The one owner of the format of the event ids a sluice makes: `<producerId>-<run>-<n>`, where
 * `run` is the first 8 hex characters of the sluice's incarnation (random per start) and `n`
 * a sequence number in base 36. A restarted producer with a fixed `producerId` therefore never
 * hands out an id it gave before.
 *
 * Ids are kept as their sequence numbers until someone reads one: a string per event kept
 * until delivery would cost a busy producer dearly.
 */
export class EventIds {
  readonly #prefix: string;
  #next = 0;

  constructor(producerId: string, incarnation: string) {
    this.#prefix = `${producerId}-${incarnation.slice(0, 8)}-`;
  }

  /** The sequence number of a new id. */
  next(): number {
    return this.#next++;
  }

  format(sequence: number): string {
    return `${this.#prefix}${sequence.toString(36)}`;
  }

  /** The sequence number of an id this sluice made, or undefined for any other string. */
  parse(id: string): number | undefined {
    if (!id.startsWith(this.#prefix)) return undefined;
    const digits = id.slice(this.#prefix.length);
    const sequence = Number.parseInt(digits, 36);
    return Number.isSafeInteger(sequence) && sequence.toString(36) === digits ? sequence : undefined;
  }
}
