/**
 * A payload the inspector's ring shows from the bytes of the NDJSON body it came in (ASCII),
 * parsed only when shown (by `JSON.stringify`, through `toJSON`). The rows of a request that
 * fills the ring hold that one body instead of a string per event, which would outlive the
 * young generation's collections in the ring and be promoted.
 */
export class BodyPayload {
  constructor(
    private readonly body: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** The payload's value, as `JSON.parse` reads its text. */
  toJSON(): unknown {
    return JSON.parse(this.body.toString('latin1', this.start, this.end));
  }
}
