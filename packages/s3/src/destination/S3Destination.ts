import { inject, injectable } from 'inversify';
import {
  BATCHER,
  KEY_FORMATTER,
  resolvedPartToken,
  SERIALIZER,
  UPLOADER,
  type Batcher,
  type Destination,
  type KeyFormatter,
  type Route,
  type Serializer,
  type Uploader,
} from '@sluice/core';
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
 * The S3 destination: batches per bucket and normalized prefix. Its parts are its own, as
 * `s3Module()` resolves them (see bindDestinationParts): by default TimePathKeyFormatter,
 * NdjsonGzipSerializer, MultipartUploader and the minute batcher.
 */
@injectable()
export class S3Destination implements Destination<S3SendParams, S3Target> {
  readonly name = 's3';
  readonly paramsSchema = s3ParamsSchema;

  constructor(
    @inject(resolvedPartToken(SERIALIZER, 's3')) readonly serializer: Serializer,
    @inject(resolvedPartToken(KEY_FORMATTER, 's3')) readonly keyFormatter: KeyFormatter<S3Target>,
    @inject(resolvedPartToken(UPLOADER, 's3')) readonly uploader: Uploader<S3Target>,
    @inject(resolvedPartToken(BATCHER, 's3')) readonly batcher: Batcher,
  ) {}

  route(params: S3SendParams): Route<S3Target> {
    const prefix = normalizePrefix(params.prefix ?? '');
    return { id: `s3://${params.bucket}/${prefix ? `${prefix}/` : ''}`, target: { bucket: params.bucket, prefix } };
  }
}
