import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { inject, injectable } from 'inversify';
import { LOGGER, type Logger, type UploadRequest, type UploadResult, type Uploader, type UploadStream, type UploadStreamRequest } from '@sluice/core';
import type { S3Options } from '../config.js';
import type { S3Target } from '../destination/S3Target.js';
import { S3_CLIENT_PROVIDER, S3_OPTIONS } from '../di/tokens.js';
import { InFlightUploads } from './InFlightUploads.js';
import { OrphanSweeper } from './OrphanSweeper.js';
import type { S3ClientProvider } from './S3ClientProvider.js';
import { isAlreadyExists } from './isAlreadyExists.js';
import { MultipartStream } from './MultipartStream.js';
import { objectParams } from './objectParams.js';
import { toDeliveryError } from './toDeliveryError.js';
import { UploadRequests } from './UploadRequests.js';

/**
 * Streams an object to S3 with lib-storage: parts of `partSizeBytes` uploaded
 * `partConcurrency` at a time, so memory per upload is bounded whatever the batch size.
 * An object smaller than one part goes up as a single PutObject (same permission).
 * A failed or aborted multipart upload is aborted (AbortMultipartUpload), never left behind.
 * With `conditionalWrite` the final request carries `If-None-Match: *`: an earlier attempt
 * that already stored the key makes S3 answer 412, which counts as delivered. Before a retry
 * (or the upload of a batch recovered from a durable spool) it aborts any upload of the same
 * key an earlier attempt or a dead process left, and again once the object is stored (an upload
 * of a stored key is an orphan, even one created after the first lookup). An attempt that fails
 * or is aborted returns only once none of its requests is under way and its own multipart
 * upload is aborted (see {@link UploadRequests}). It tells the {@link OrphanSweeper} which
 * prefixes it writes to. It alone marks keys in {@link InFlightUploads}, which the sweeper
 * reads so it never aborts a live upload.
 */
@injectable()
export class MultipartUploader implements Uploader<S3Target> {
  #closing: Promise<void> | undefined;

  constructor(
    @inject(S3_OPTIONS) private readonly options: S3Options,
    @inject(S3_CLIENT_PROVIDER) private readonly clients: S3ClientProvider,
    @inject(OrphanSweeper) private readonly orphans: OrphanSweeper,
    @inject(InFlightUploads) private readonly inFlight: InFlightUploads,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    // Made as the sluice starts: the SDK's first-use costs are paid now, in the background,
    // rather than in one long turn at the first upload while events flow.
    void clients.warm?.();
  }

  /**
   * Starts an object whose bytes come while its batch is open (see MultipartStream): parts go
   * up as they fill, the upload is completed at the end. The key is in flight from now on, so
   * the orphan sweep leaves it alone.
   */
  openStream(request: UploadStreamRequest<S3Target>): UploadStream {
    const { bucket, prefix } = request.batch.target;
    const client = this.clients.clientFor(bucket).then((found) => {
      this.orphans.noteWrite(found, bucket, prefix);
      return found;
    });
    // A failed lookup is reported by the stream's first request; not an unhandled rejection here.
    client.catch(() => {});
    return new MultipartStream({
      client,
      bucket,
      key: request.key,
      contentType: request.contentType,
      options: this.options,
      logger: this.logger,
      signal: request.signal,
      onStored: request.onStored,
      onSettled: this.inFlight.begin(bucket, request.key),
    });
  }

  /**
   * Stops the orphan sweeper (aborting its requests) and closes the client provider if it
   * can be closed (the default one destroys its clients), so no socket keeps the process
   * alive. Called by `sluice.close()` after the last attempt has ended; safe to call twice.
   */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.orphans.close();
      await this.clients.close?.();
    })();
    return this.#closing;
  }

  async upload(request: UploadRequest<S3Target>): Promise<UploadResult> {
    const { bucket, prefix } = request.batch.target;
    const location = `s3://${bucket}/${request.key}`;
    let bytes = 0;
    let parts = 0;
    let done: (() => void) | undefined;
    try {
      const client = await this.clients.clientFor(bucket);
      this.orphans.noteWrite(client, bucket, prefix);
      // An earlier attempt (or a process that died) may have left a multipart upload of this
      // key; it is looked for before this attempt is marked in flight, so it is not mistaken for it.
      if (!request.firstAttempt) await this.orphans.abortStale(client, bucket, request.key, request.signal);
      done = this.inFlight.begin(bucket, request.key);
      const requests = new UploadRequests(client, request.signal, this.options.checksumMode);
      const abortController = new AbortController();
      const onAbort = (): void => abortController.abort(request.signal.reason);
      request.signal.addEventListener('abort', onAbort, { once: true });
      const upload = new Upload({
        client: requests.client,
        partSize: this.options.partSizeBytes,
        queueSize: this.options.partConcurrency,
        leavePartsOnError: false,
        abortController,
        params: {
          ...objectParams(this.options, bucket, request.key, request.contentType),
          Body: request.body,
          ...(this.options.conditionalWrite ? { IfNoneMatch: '*' } : {}),
        },
      });
      upload.on('httpUploadProgress', (progress) => {
        bytes = Math.max(bytes, progress.loaded ?? 0);
        parts = Math.max(parts, progress.part ?? 0);
      });
      try {
        await upload.done();
      } catch (error) {
        // Nothing of this attempt may reach S3 once upload() has returned: the caller may hand
        // the key to another process, whose abort of stale uploads a late part would undo.
        await requests.settled();
        await this.#abortOwn(client, bucket, request.key, requests.openUploadId);
        throw error;
      } finally {
        request.signal.removeEventListener('abort', onAbort);
      }
      if (!request.firstAttempt) {
        // The key holds its object now, and a key belongs to one batch: any upload of it left
        // is an orphan, such as one a dead process created after the lookup before this attempt.
        done();
        done = undefined;
        await this.orphans.abortStale(client, bucket, request.key, request.signal);
      }
      return { location, bytes, parts: Math.max(parts, 1), alreadyExisted: false };
    } catch (error) {
      if (isAlreadyExists(error)) return { location, bytes, parts: Math.max(parts, 1), alreadyExisted: true };
      throw toDeliveryError(error, location);
    } finally {
      done?.();
    }
  }

  /** Aborts the multipart upload an attempt created and did not complete; the orphan sweep is the fallback. */
  async #abortOwn(client: S3Client, bucket: string, key: string, uploadId: string | undefined): Promise<void> {
    if (uploadId === undefined) return;
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      // Already aborted (by lib-storage, or by a later owner of the key) is the usual answer.
      if ((error as { name?: string }).name === 'NoSuchUpload') return;
      this.logger.warn('could not abort a multipart upload; the orphan sweep will', { bucket, key, error: String(error) });
    }
  }
}
