import { Readable, pipeline } from 'node:stream';
import { createGzip, gzip, gzipSync } from 'node:zlib';
import { inject, injectable } from 'inversify';
import { RawJson, SerializationError, type Serializer } from '@sluice/core';
import { S3_OPTIONS } from '../di/tokens.js';
import { coalesceChunks } from './coalesceChunks.js';
import { CompressionSlots } from './CompressionSlots.js';
import type { S3Options } from '../config.js';

/**
 * zlib compresses each write on the threadpool and returns to the main thread between
 * writes, and whenever its output buffer is full. With 64 KiB writes and 16 KiB of output a
 * thread finished in under a millisecond, then waited for a main thread busy sending; with
 * 4 MiB writes and 1 MiB of output it works about 20 ms per return. Measured on two cores,
 * end to end into S3: 1.2 × the events/s with 1 MiB writes, 1.35 × with 4 MiB.
 */
const INPUT_BYTES = 4 * 1024 * 1024;
const OUTPUT_CHUNK_BYTES = 1024 * 1024;
/**
 * A body in memory up to this size is compressed at once on the main thread. A gzip stream
 * per object (its state, a 1 MiB output buffer, trips to the threadpool and back) cost about
 * 0.3 ms of the main thread for an object of a few events, against 0.02–0.05 ms for one
 * gzipSync call; 64 KiB take well under a millisecond, so the event loop barely notices.
 */
const SMALL_BODY_BYTES = 64 * 1024;

/**
 * Newline-delimited JSON, gzip-compressed: one `JSON.stringify` line per event, each ended
 * by "\n" (never the platform separator). JSON escapes newlines inside strings, so every
 * event stays on one line; a {@link RawJson} payload is written as its text, which is one line
 * too. The spool hands the body over in chunks (the memory spool's grow to 4 MiB), joined
 * into 4 MiB writes: gzip is never fed line by line.
 */
@injectable()
export class NdjsonGzipSerializer implements Serializer {
  readonly extension = 'gz';
  readonly contentType = 'application/gzip';
  readonly #level: number;
  readonly #slots: CompressionSlots;

  constructor(@inject(S3_OPTIONS) options: Pick<S3Options, 'compressionLevel' | 'compressionConcurrency'>) {
    this.#level = options.compressionLevel;
    this.#slots = new CompressionSlots(options.compressionConcurrency);
  }

  /** Runs framed at once, at most: the compression slots, with the one the main thread leaves when idle (see CompressionSlots). */
  get frameConcurrency(): number {
    return this.#slots.most;
  }

  encode(payload: unknown): string {
    // Proven valid and on one line when it was made: stored as given, not parsed and written again.
    if (payload instanceof RawJson) return `${payload.json}\n`;
    let line: string | undefined;
    try {
      // Typed as string, but undefined for undefined, a function or a symbol.
      line = (JSON.stringify as (value: unknown) => string | undefined)(payload);
    } catch (error) {
      throw new SerializationError(
        `The payload cannot be serialized to JSON (${(error as Error).message}). ` +
          'Remove circular references and convert BigInt values (to strings, say) before sending.',
        { cause: error },
      );
    }
    if (line === undefined) {
      throw new SerializationError(
        `The payload is ${typeof payload === 'undefined' ? 'undefined' : `a ${typeof payload}`}, which JSON cannot represent. Send an object, array, string, number, boolean or null.`,
      );
    }
    return `${line}\n`;
  }

  /**
   * One gzip member of a run of records: members of consecutive runs, concatenated, are one
   * gzip file that gunzip, Node's zlib, Python's gzip and Java's GZIPInputStream read whole.
   * Compressed on libuv's threadpool, in a compression slot like a whole batch.
   */
  frame(records: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#slots.take((release) => {
        gzip(records, { level: this.#level, chunkSize: OUTPUT_CHUNK_BYTES }, (error, compressed) => {
          release();
          if (error) reject(error);
          else resolve(compressed);
        });
      });
    });
  }

  /**
   * The stream is returned at once; compression starts when a slot is free (see
   * CompressionSlots). A small body already in memory (an array of chunks) is compressed
   * in one call instead: the same body always takes the same path, so a retry's bytes are
   * the first attempt's.
   */
  serialize(body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Readable {
    if (Array.isArray(body)) {
      const chunks = body as readonly Uint8Array[];
      let bytes = 0;
      for (const chunk of chunks) bytes += chunk.byteLength;
      if (bytes <= SMALL_BODY_BYTES) return this.#serializeSmall(chunks, bytes);
    }
    const gzip = createGzip({ level: this.#level, chunkSize: OUTPUT_CHUNK_BYTES });
    this.#slots.take((release) => {
      // 'close' follows the end, an error and destroy() alike: a consumer that gives up
      // gives the slot back.
      gzip.once('close', release);
      if (gzip.destroyed) {
        release();
        return;
      }
      // pipeline() forwards errors and destroys the source if the consumer gives up early.
      pipeline(Readable.from(coalesceChunks(body, INPUT_BYTES), { objectMode: false }), gzip, () => {});
    });
    return gzip;
  }

  #serializeSmall(chunks: readonly Uint8Array[], bytes: number): Readable {
    const compressed = gzipSync(chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, bytes), { level: this.#level });
    return Readable.from([compressed], { objectMode: false });
  }
}
