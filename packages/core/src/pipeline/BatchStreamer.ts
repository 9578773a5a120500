import { Readable } from 'node:stream';
import type { Logger } from '../log/Logger.js';
import type { UploadResult } from '../upload/Uploader.js';
import type { UploadStream } from '../upload/UploadStream.js';
import type { Batch } from './Batch.js';
import { objectKey, uploadBatch } from './deliverBatch.js';
import type { PendingBytesGate } from './PendingBytesGate.js';

/**
 * Records taken from an open batch at a time, once it holds this many: the size gzip was
 * measured to work best with (see the S3 serializer). A quieter batch never streams: it holds
 * its records only, no compressor and no upload, and is uploaded whole once sealed.
 */
export const STREAM_RUN_BYTES = 4 * 1024 * 1024;

interface Streaming {
  stream: UploadStream | undefined;
  /** The pump loop running, if any; it never rejects (a failure is kept in `failed`). */
  pumping: Promise<void> | undefined;
  failed: unknown;
  readonly controller: AbortController;
  /** Framed pieces kept for a spool that lets go of taken records: the batch's only copy. */
  readonly kept: Uint8Array[] | undefined;
  /** Bytes written to the stream, not yet stored, and counted as pending. */
  unstored: number;
}

export interface BatchStreamerParts {
  readonly gate: PendingBytesGate;
  readonly logger: Logger;
  /** Whether the spool keeps records that were taken (else the streamer keeps the pieces). */
  readonly durableSpool: boolean;
}

/**
 * Streams busy batches while they are open: every STREAM_RUN_BYTES of records are taken from
 * the spool, framed by the serializer (a gzip member each) and written to an upload stream,
 * which uploads parts as they fill. At seal, `finish` writes the rest and stores the object.
 *
 * Nothing is lost when a stream fails: it is aborted, and the batch is uploaded whole instead,
 * under the same key, by the usual attempts (backoff, events, dead letters). A durable spool
 * still holds every record. The memory spool lets go of taken records, so for it the streamer
 * keeps the framed pieces (a fraction of the records' size) until the object is stored and
 * uploads them as they are. Pending bytes follow the data: records until framed, then pieces
 * until stored (with the memory spool, until the batch is delivered).
 */
export class BatchStreamer {
  readonly #parts: BatchStreamerParts;
  readonly #streams = new Map<Batch, Streaming>();

  constructor(parts: BatchStreamerParts) {
    this.#parts = parts;
  }

  /** Called when an open batch holds a run of untaken records: streams it if its parts can. */
  nudge(batch: Batch): void {
    const { destination } = batch.route;
    if (!destination.serializer.frame || !destination.uploader.openStream || !batch.records.take) return;
    let streaming = this.#streams.get(batch);
    if (!streaming) {
      streaming = {
        stream: undefined,
        pumping: undefined,
        failed: undefined,
        controller: new AbortController(),
        kept: this.#parts.durableSpool ? undefined : [],
        unstored: 0,
      };
      this.#streams.set(batch, streaming);
    }
    if (streaming.failed !== undefined || streaming.pumping) return;
    const current = streaming;
    current.pumping = this.#pump(batch, current).finally(() => (current.pumping = undefined));
  }

  /**
   * One attempt at a sealed batch that streamed: writes the rest to its stream and stores the
   * object. Resolves undefined when the batch never streamed, or its stream failed and the
   * spool holds every record: upload it whole from the spool then. With the memory spool, a
   * failed stream's pieces are uploaded whole here, in every attempt until one succeeds.
   */
  async finish(batch: Batch, signal: AbortSignal): Promise<UploadResult | undefined> {
    const streaming = this.#streams.get(batch);
    if (!streaming) return undefined;
    const firstAttempt = batch.beginAttempt();
    const onAbort = (): void => {
      streaming.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await streaming.pumping;
      if (streaming.failed === undefined) await this.#pump(batch, streaming, true);
      if (streaming.failed === undefined && streaming.stream) {
        try {
          const result = await streaming.stream.end();
          this.#streams.delete(batch);
          return result;
        } catch (error) {
          await this.#fail(batch, streaming, error);
          throw error;
        }
      }
      if (!streaming.kept) {
        this.#streams.delete(batch);
        return undefined;
      }
      return await this.#uploadKept(batch, streaming, signal, firstAttempt);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Aborts every stream still open (close): a durable spool keeps their records for the next start. */
  async stop(): Promise<void> {
    const open = [...this.#streams];
    for (const [, streaming] of open) streaming.controller.abort(new Error('sluice closed'));
    await Promise.all(
      open.map(async ([batch, streaming]) => {
        await streaming.pumping;
        if (streaming.failed === undefined) await this.#fail(batch, streaming, new Error('sluice closed'));
      }),
    );
  }

  /** Takes, frames and writes runs while there is a full one (or, `all`, anything left). */
  async #pump(batch: Batch, streaming: Streaming, all = false): Promise<void> {
    // Read through a function: a write may fail the stream while this loop awaits it.
    const going = (): boolean => streaming.failed === undefined;
    try {
      for await (const piece of this.#framed(batch, streaming, all, going)) {
        // After a failure the rest of what was taken is still framed into the kept pieces
        // (the memory spool's only copy); a durable spool has it on disk.
        if (!going()) {
          if (streaming.kept) continue;
          break;
        }
        try {
          streaming.stream ??= this.#open(batch, streaming);
          streaming.unstored += piece.length;
          await streaming.stream.write(piece);
        } catch (error) {
          await this.#fail(batch, streaming, error);
        }
      }
    } catch (error) {
      await this.#fail(batch, streaming, error);
    }
  }

  /**
   * Takes what the batch holds and frames it a run at a time, as the chunks come, so no piece
   * (and no part built from it) grows with a backlog, and no copy is larger than a run. A run
   * is STREAM_RUN_BYTES, or less where it ends with a spool's chunk. Pieces need not
   * end on a record: they are only ever concatenated. It takes again while a full run
   * (or, `all`, anything) is untaken, so a run that spans two takes is still one run.
   *
   * Runs are framed ahead, as many at once as the serializer works on (`frameConcurrency`)
   * and one more, so a compressor never waits for the main thread to join and hand over its
   * next run, nor for the stream to take the last piece; pieces still come out in order.
   * What is in flight stays bounded (that many runs) and counted: a run's records stay
   * pending until its piece is out, then the piece is counted instead of them, and kept for a
   * spool that let go of the records.
   */
  async *#framed(batch: Batch, streaming: Streaming, all: boolean, going: () => boolean = () => true): AsyncGenerator<Uint8Array> {
    const { serializer } = batch.route.destination;
    if (!serializer.frame) throw new TypeError('The serializer cannot frame runs of records.');
    const frame = serializer.frame.bind(serializer);
    const ahead = Math.max(1, Math.floor(serializer.frameConcurrency ?? 1)) + 1;
    const inFlight: Array<{ readonly piece: Promise<Uint8Array>; readonly size: number }> = [];
    const start = (group: Uint8Array[], size: number): void => {
      const piece = frame(group.length === 1 ? (group[0] as Uint8Array) : Buffer.concat(group, size));
      // Seen to, so that a run framed after its generator was left fails no one.
      piece.catch(() => {});
      inFlight.push({ piece, size });
    };
    const next = async (): Promise<Uint8Array> => {
      const { piece, size } = inFlight.shift() as { piece: Promise<Uint8Array>; size: number };
      const framed = await piece;
      this.#parts.gate.add(framed.length, batch);
      this.#parts.gate.release(batch, size);
      streaming.kept?.push(framed);
      return framed;
    };
    // A stream that failed stops taking; what was taken is still framed (the kept pieces).
    const more = (): boolean => going() && (batch.untakenBytes >= STREAM_RUN_BYTES || (all && batch.untakenBytes > 0));
    let group: Uint8Array[] = [];
    let size = 0;
    try {
      while (more()) {
        for await (const chunk of batch.take().chunks) {
          let rest = chunk;
          // A chunk that does not fit the run being gathered starts the next one: the run ends
          // where the spool's chunk ends, and the memory spool's slabs of nearly 4 MiB are
          // framed as they are. Cut at a fixed size, nearly every run spanned two slabs and was
          // joined with a 4 MiB copy on the event loop (a sealed backlog started `ahead` such
          // joins in one turn). Only a chunk larger than a run is cut, below.
          if (size > 0 && size + rest.length > STREAM_RUN_BYTES) {
            start(group, size);
            group = [];
            size = 0;
            while (inFlight.length >= ahead) yield await next();
          }
          while (size + rest.length >= STREAM_RUN_BYTES) {
            const need = STREAM_RUN_BYTES - size;
            group.push(rest.subarray(0, need));
            rest = rest.subarray(need);
            start(group, STREAM_RUN_BYTES);
            group = [];
            size = 0;
            while (inFlight.length >= ahead) yield await next();
          }
          if (rest.length > 0) {
            group.push(rest);
            size += rest.length;
          }
        }
      }
      if (size > 0) start(group, size);
      while (inFlight.length > 0) yield await next();
    } finally {
      // Left early (a durable spool's stream failed): runs still framing are dropped; their
      // records are on disk and stay counted as records until the batch is delivered whole.
      inFlight.length = 0;
    }
  }

  #open(batch: Batch, streaming: Streaming): UploadStream {
    const { destination } = batch.route;
    const openStream = destination.uploader.openStream?.bind(destination.uploader);
    if (!openStream) throw new TypeError('The uploader cannot stream.');
    return openStream({
      batch: batch.info(),
      key: objectKey(batch),
      contentType: destination.serializer.contentType,
      signal: streaming.controller.signal,
      onStored: (bytes) => {
        // Kept pieces stay in memory, and counted, until the batch is delivered.
        if (streaming.kept) return;
        streaming.unstored -= bytes;
        this.#parts.gate.release(batch, bytes);
      },
    });
  }

  /** A failed stream's batch, uploaded whole from the pieces kept: the records the memory spool let go of, then the rest. */
  async #uploadKept(batch: Batch, streaming: Streaming, signal: AbortSignal, firstAttempt: boolean): Promise<UploadResult> {
    const kept = streaming.kept as Uint8Array[];
    if (batch.untakenBytes > 0) for await (const _piece of this.#framed(batch, streaming, true));
    return uploadBatch(batch, Readable.from(kept, { objectMode: false }), signal, firstAttempt);
  }

  async #fail(batch: Batch, streaming: Streaming, error: unknown): Promise<void> {
    streaming.failed = error;
    await streaming.stream?.abort();
    // A durable spool re-reads the records: what the stream held and did not store is no longer pending.
    if (!streaming.kept) this.#parts.gate.release(batch, Math.min(streaming.unstored, batch.pendingBytes));
    streaming.unstored = 0;
    this.#parts.logger.warn('streaming a batch while open failed; it is uploaded whole instead', {
      destination: batch.route.destination.name,
      route: batch.route.routeId,
      identifier: batch.identifier,
      error: String(error),
    });
  }
}
