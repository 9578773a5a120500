import { S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { inject, injectable } from 'inversify';
import type { UploadRequest, UploadResult, Uploader } from '@sluice/core';
import type { S3Options } from '../config.js';
import type { S3Target } from '../destination/S3Target.js';
import { S3_CLIENT_PROVIDER, S3_OPTIONS } from '../di/tokens.js';
import { OrphanSweeper } from './OrphanSweeper.js';
import type { S3ClientProvider } from './S3ClientProvider.js';
import { toDeliveryError } from './toDeliveryError.js';

/**
 * Streams an object to S3 with lib-storage: parts of `partSizeBytes` uploaded
 * `partConcurrency` at a time, so memory per upload is bounded whatever the batch size.
 * An object smaller than one part goes up as a single PutObject (same permission).
 * A failed or aborted multipart upload is aborted (AbortMultipartUpload), never left behind.
 * With `conditionalWrite` the final request carries `If-None-Match: *`: an earlier attempt
 * that already stored the key makes S3 answer 412, which counts as delivered. Before a retry
 * it aborts any upload of the same key an earlier attempt left, and it has the
 * {@link OrphanSweeper} sweep each prefix it writes to.
 */
@injectable()
export class MultipartUploader implements Uploader<S3Target> {
  constructor(
    @inject(S3_OPTIONS) private readonly options: S3Options,
    @inject(S3_CLIENT_PROVIDER) private readonly clients: S3ClientProvider,
    @inject(OrphanSweeper) private readonly orphans: OrphanSweeper,
  ) {}

  async upload(request: UploadRequest<S3Target>): Promise<UploadResult> {
    const { bucket, prefix } = request.batch.target;
    const location = `s3://${bucket}/${request.key}`;
    let bytes = 0;
    let parts = 0;
    this.orphans.inFlight.add(request.key);
    try {
      const client = await this.clients.clientFor(bucket);
      this.orphans.maybeSweep(client, bucket, prefix);
      // An earlier attempt (or a process that died) may have left a multipart upload of this key.
      if (!request.firstAttempt) await this.orphans.abortStale(client, bucket, request.key);
      const abortController = new AbortController();
      const onAbort = (): void => abortController.abort(request.signal.reason);
      request.signal.addEventListener('abort', onAbort, { once: true });
      const upload = new Upload({
        client,
        partSize: this.options.partSizeBytes,
        queueSize: this.options.partConcurrency,
        leavePartsOnError: false,
        abortController,
        params: {
          Bucket: bucket,
          Key: request.key,
          Body: request.body,
          ContentType: request.contentType,
          ...(this.options.acl ? { ACL: this.options.acl } : {}),
          ...(this.options.serverSideEncryption ? { ServerSideEncryption: this.options.serverSideEncryption } : {}),
          ...(this.options.sseKmsKeyId ? { SSEKMSKeyId: this.options.sseKmsKeyId } : {}),
          ...(this.options.storageClass ? { StorageClass: this.options.storageClass as never } : {}),
          ...(this.options.conditionalWrite ? { IfNoneMatch: '*' } : {}),
        },
      });
      upload.on('httpUploadProgress', (progress) => {
        bytes = Math.max(bytes, progress.loaded ?? 0);
        parts = Math.max(parts, progress.part ?? 0);
      });
      try {
        await upload.done();
      } finally {
        request.signal.removeEventListener('abort', onAbort);
      }
      return { location, bytes, parts: Math.max(parts, 1), alreadyExisted: false };
    } catch (error) {
      if (isAlreadyExists(error)) return { location, bytes, parts: Math.max(parts, 1), alreadyExisted: true };
      request.body.destroy();
      throw toDeliveryError(error, location);
    } finally {
      this.orphans.inFlight.delete(request.key);
    }
  }
}

function isAlreadyExists(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'PreconditionFailed' || error.$metadata.httpStatusCode === 412)
  );
}
