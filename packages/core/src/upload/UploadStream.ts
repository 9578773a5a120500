import type { BatchInfo } from '../batch/BatchInfo.js';
import type { UploadResult } from './UploadResult.js';

/** What an uploader needs to start writing an object before all of its bytes exist. */
export interface UploadStreamRequest<Target = unknown> {
  /** The batch as it is when the stream opens (its counts still grow). */
  readonly batch: BatchInfo<Target>;
  readonly key: string;
  readonly contentType: string;
  /** Aborted when the sluice gives up on the batch (shutdown deadline). */
  readonly signal: AbortSignal;
  /** Told, as they are stored, how many of the bytes written so far are stored (for pending-bytes accounting). */
  readonly onStored: (bytes: number) => void;
}

/**
 * An object written while its batch is still open: the pieces go up as they fill parts, so
 * memory holds what is in flight, not the whole object. Exactly one object results, at the
 * same key, under the same conditional-write rule as `Uploader.upload`.
 */
export interface UploadStream {
  /**
   * Takes the next piece of the object. Resolves once the stream can take more (what it
   * holds is within its bound); until then the caller waits. Transient failures are retried
   * inside; rejects only when the stream cannot go on (a permanent error, the upload gone,
   * the signal aborted): then call `abort()`.
   */
  write(piece: Uint8Array): Promise<void>;
  /** Every piece is written: stores the object (a single PutObject if it never filled a part). */
  end(): Promise<UploadResult>;
  /** Gives up: removes what was stored of the object (AbortMultipartUpload). Safe to call twice; never throws. */
  abort(): Promise<void>;
}
