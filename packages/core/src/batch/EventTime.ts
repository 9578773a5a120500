/**
 * Which time an event is batched by (Kafka Connect's TimestampExtractor). The default is the
 * time `send()` accepted it. An extractor lets a destination batch by a time the payload
 * carries, so that an event lands in the object of the minute it happened in.
 *
 * Rules the pipeline applies to what `timeOf` returns:
 * - a time later than the accept time is taken as the accept time (a client with a fast
 *   clock cannot hold a batch open);
 * - an event whose window has already ended is *late*: it goes to a batch of its own window
 *   (a separate object, never a rewrite of the one written), which is sealed when the current
 *   window ends. Nothing is dropped for being late.
 * It runs inside `send()`, once per event: keep it cheap and never throw (return
 * `acceptedAt` for a payload without a usable time).
 */
export interface EventTime {
  /** The event's time in ms since the epoch, given its payload and the time `send()` accepted it. */
  timeOf(payload: unknown, acceptedAt: number): number;
}
