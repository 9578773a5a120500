import type { Logger } from '../log/Logger.js';
import type { UploadResult } from '../upload/Uploader.js';
import type { UploadStream } from '../upload/UploadStream.js';
import type { Batch } from './Batch.js';
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
  /** Bytes written to the stream and not yet stored. */
  unstored: number;
}

export interface BatchStreamerParts {
  readonly gate: PendingBytesGate;
  readonly logger: Logger;
  /** Whether the spool keeps records that were taken (a failed stream then loses nothing). */
  readonly durableSpool: boolean;
}

/**
 * Streams busy batches while they are open: every STREAM_RUN_BYTES of records are taken from
 * the spool, framed by the serializer (a gzip member each) and written to an upload stream,
 * which uploads parts as they fill. Memory is what is in flight, not what the minute holds.
 * At seal, `finish` writes the rest and stores the object. Pending bytes follow the data: the
 * records until framed, then the framed bytes until stored.
 *
 * A stream that fails for good is aborted; the batch is then delivered whole from the spool
 * like any other. A durable spool still has every record. The memory spool does not: the
 * events already taken are lost, logged with their number, and not counted as delivered.
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
      streaming = { stream: undefined, pumping: undefined, failed: undefined, controller: new AbortController(), unstored: 0 };
      this.#streams.set(batch, streaming);
    }
    if (streaming.failed !== undefined || streaming.pumping) return;
    const current = streaming;
    current.pumping = this.#pump(batch, current, false).finally(() => (current.pumping = undefined));
  }

  /**
   * Writes the rest of a sealed batch to its stream and stores the object. Resolves undefined
   * when the batch has no stream, or its stream failed before the end: deliver it whole then.
   * Throws what storing the object at the end threw.
   */
  async finish(batch: Batch, signal: AbortSignal): Promise<UploadResult | undefined> {
    const streaming = this.#streams.get(batch);
    if (!streaming) return undefined;
    const onAbort = (): void => {
      streaming.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await streaming.pumping;
      if (streaming.failed === undefined) await this.#pump(batch, streaming, true);
      if (streaming.failed !== undefined || !streaming.stream) return undefined;
      try {
        return await streaming.stream.end();
      } catch (error) {
        await this.#fail(batch, streaming, error);
        throw error;
      }
    } finally {
      this.#streams.delete(batch);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Aborts every stream still open (close): a durable spool keeps their records for the next start. */
  async stop(): Promise<void> {
    const open = [...this.#streams];
    this.#streams.clear();
    for (const [, streaming] of open) streaming.controller.abort(new Error('sluice closed'));
    await Promise.all(open.map(async ([batch, streaming]) => {
      await streaming.pumping;
      if (streaming.failed === undefined) await this.#fail(batch, streaming, new Error('sluice closed'));
    }));
  }

  /** Takes, frames and writes runs while there is a full one (or, `all`, anything left). */
  async #pump(batch: Batch, streaming: Streaming, all: boolean): Promise<void> {
    const { destination } = batch.route;
    const { gate } = this.#parts;
    try {
      while (streaming.failed === undefined && (batch.untakenBytes >= STREAM_RUN_BYTES || (all && batch.untakenBytes > 0))) {
        const taken = batch.take();
        const piece = await (destination.serializer.frame as (records: Uint8Array) => Promise<Uint8Array>)(await joined(taken.chunks, taken.bytes));
        gate.add(piece.length, batch);
        gate.release(batch, taken.bytes);
        streaming.stream ??= this.#open(batch, streaming);
        streaming.unstored += piece.length;
        await streaming.stream.write(piece);
      }
    } catch (error) {
      await this.#fail(batch, streaming, error);
    }
  }

  #open(batch: Batch, streaming: Streaming): UploadStream {
    const { destination } = batch.route;
    const openStream = destination.uploader.openStream?.bind(destination.uploader);
    if (!openStream) throw new TypeError('The uploader cannot stream.');
    return openStream({
      batch: batch.info(),
      key: batch.keyFrom((info) => destination.keyFormatter.format(info, destination.serializer.extension)),
      contentType: destination.serializer.contentType,
      signal: streaming.controller.signal,
      onStored: (bytes) => {
        streaming.unstored -= bytes;
        this.#parts.gate.release(batch, bytes);
      },
    });
  }

  async #fail(batch: Batch, streaming: Streaming, error: unknown): Promise<void> {
    streaming.failed = error;
    await streaming.stream?.abort();
    // What was written and not stored is gone with the stream.
    this.#parts.gate.release(batch, Math.min(streaming.unstored, batch.pendingBytes));
    streaming.unstored = 0;
    const fields = { destination: batch.route.destination.name, route: batch.route.routeId, identifier: batch.identifier, error: String(error) };
    if (this.#parts.durableSpool) {
      this.#parts.logger.warn('streaming a batch while open failed; it is delivered whole from the spool instead', fields);
      return;
    }
    const lost = batch.loseTaken();
    if (lost > 0) {
      this.#parts.logger.error('events lost: the upload of a batch streamed while open failed for good, and the memory spool keeps no copy of what it had sent; use the file spool to keep them', { ...fields, events: lost });
    }
  }
}

/** The taken chunks as one buffer: a copy only when the spool handed over several. */
async function joined(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, bytes: number): Promise<Uint8Array> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all.length === 1 ? (all[0] as Uint8Array) : Buffer.concat(all, bytes);
}
