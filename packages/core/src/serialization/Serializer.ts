import type { Readable } from 'node:stream';

/**
 * Turns payloads into records and records into the bytes of one object. The format owns its
 * file extension and content type; key formatters ask for them.
 *
 * `encode` runs inside `send()`, once per event: it must be synchronous and cheap, and it
 * must throw a {@link SerializationError} for a payload it cannot represent.
 * `serialize` must be deterministic: the same records give the same bytes, so a retried
 * upload is identical to the first attempt.
 */
export interface Serializer {
  /** File extension without the dot, e.g. `gz`. */
  readonly extension: string;
  /** MIME type of the object, e.g. `application/gzip`. */
  readonly contentType: string;
  /** One payload to one record (for NDJSON: one line without its newline). */
  encode(payload: unknown): string;
  /** The records of a batch, in order, to a stream of the object's bytes. */
  serialize(records: readonly string[]): Readable;
}
