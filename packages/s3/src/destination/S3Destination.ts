import { inject, injectable } from 'inversify';
import { KEY_FORMATTER, SERIALIZER, UPLOADER, type Destination, type KeyFormatter, type Route, type Serializer, type Uploader } from '@sluice/core';
import { normalizePrefix } from '../key/normalizePrefix.js';
import { s3ParamsSchema } from './s3ParamsSchema.js';
import type { S3Target } from './S3Target.js';

/** What `send.s3()` takes besides `payload` and `id`. */
export interface S3SendParams {
  /** Name of the bucket. */
  readonly bucket: string;
  /** Folder of the objects; `logs`, `logs/` and `/logs/` are the same. Default: the bucket root. */
  readonly prefix?: string;
}

/**
 * The S3 destination: batches per bucket and normalized prefix, parts injected through the
 * core tokens (by default TimePathKeyFormatter, NdjsonGzipSerializer, MultipartUploader).
 */
@injectable()
export class S3Destination implements Destination<S3SendParams, S3Target> {
  readonly name = 's3';
  readonly paramsSchema = s3ParamsSchema;

  constructor(
    @inject(SERIALIZER) readonly serializer: Serializer,
    @inject(KEY_FORMATTER) readonly keyFormatter: KeyFormatter<S3Target>,
    @inject(UPLOADER) readonly uploader: Uploader<S3Target>,
  ) {}

  route(params: S3SendParams): Route<S3Target> {
    const prefix = normalizePrefix(params.prefix ?? '');
    return { id: `s3://${params.bucket}/${prefix ? `${prefix}/` : ''}`, target: { bucket: params.bucket, prefix } };
  }
}
