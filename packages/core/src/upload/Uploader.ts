import type { Readable } from 'node:stream';
import type { BatchInfo } from '../batch/BatchInfo.js';
import type { UploadResult } from './UploadResult.js';
import type { UploadStream, UploadStreamRequest } from './UploadStream.js';

export type { UploadResult } from './UploadResult.js';

export interface UploadRequest<Target = unknown> {
  readonly batch: BatchInfo<Target>;
  readonly key: string;
  readonly body: Readable;
  readonly contentType: string;
  /** Aborted when the sluice gives up on this attempt (shutdown deadline). */
  readonly signal: AbortSignal;
  /**
   * True for the first attempt at a batch this process opened. False on a retry and for a
   * batch recovered from a durable spool: an earlier attempt may have left a partial upload
   * of this key behind, which the uploader should clean up.
   */
  readonly firstAttempt: boolean;
}


/**
 * Writes one object. An uploader must leave nothing half-written behind on failure (abort
 * multipart uploads) and should throw a {@link DeliveryError} whose `retryable` says whether
 * trying again soon can help. Any other error is treated as retryable.
 */
export interface Uploader<Target = unknown> {
  upload(request: UploadRequest<Target>): Promise<UploadResult>;
  /**
   * Optional: starts an object whose bytes come while its batch is open (a busy minute is
   * compressed and uploaded as it fills, see UploadStream). Without it, batches are uploaded
   * whole once sealed.
   */
  openStream?(request: UploadStreamRequest<Target>): UploadStream;
  /**
   * Releases connections, clients and background work (sweeps) so nothing keeps the process
   * alive. Called once by `sluice.close()`, after the last upload attempt has ended.
   */
  close?(): void | Promise<void>;
}
