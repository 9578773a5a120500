import type { Readable } from 'node:stream';

/**
 * Turns payloads into records and a batch's records into the bytes of one object. The
 * format owns its file extension and content type; key formatters ask for them.
 *
 * `encode` runs inside `send()`, once per event: it must be synchronous and cheap, return
 * the record *with its terminator* (for NDJSON, the JSON line and "\n"), so that records
 * concatenate into the uncompressed body, and throw a {@link SerializationError} for a
 * payload it cannot represent. A payload may be a `RawJson`: JSON text proven valid,
 * which a JSON format writes as it is (`json` is one line); a format that does not know it
 * gets the parsed value through `JSON.stringify` (its `toJSON`) or `value()`.
 * `serialize` must be deterministic: the same body gives the same bytes, so a retried
 * upload is identical to the first attempt. It may add framing (a header, a footer) and
 * compress; it should stream.
 */
export interface Serializer {
  /** File extension without the dot, e.g. `gz`. */
  readonly extension: string;
  /** MIME type of the object, e.g. `application/gzip`. */
  readonly contentType: string;
  /** One payload to one record, terminator included. */
  encode(payload: unknown): string;
  /**
   * The concatenated records of a batch, as chunks in order, to a stream of the object's
   * bytes. The chunks may come from disk: read them as the consumer asks, never all at once.
   */
  serialize(body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Readable;
  /**
   * Optional: turns a run of whole records into a piece of the object, such that the pieces
   * of consecutive runs, concatenated in order, are a valid object (for gzip: each piece is a
   * gzip member). Stateless, so an open batch holds no compressor between runs. With it, and
   * an uploader that opens streams, a busy batch is compressed and uploaded while it is open.
   */
  frame?(records: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional, with `frame`: how many runs it frames at once (its compression threads, say).
   * The streamer keeps that many runs framing, and one more ready, so none waits for the
   * main thread. Default: 1.
   */
  readonly frameConcurrency?: number;
  /** Releases what the serializer holds (threads, pools). Called once by `sluice.close()`. */
  close?(): void | Promise<void>;
}
