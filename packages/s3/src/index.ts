import type { S3SendParams } from './destination/S3Destination.js';

declare module '@sluice/core' {
  interface DestinationParamsMap {
    /** `sluice.send.s3({ bucket, prefix, payload })`. */
    s3: S3SendParams;
  }
}

export {
  parseS3Options,
  s3OptionsSchema,
  type S3Credentials,
  type S3CredentialsProvider,
  type S3Options,
  type S3OptionsInput,
  type S3StaticCredentials,
} from './config.js';
export { S3Destination, type S3SendParams } from './destination/S3Destination.js';
export { s3ParamsSchema } from './destination/s3ParamsSchema.js';
export type { S3Target } from './destination/S3Target.js';
export { s3Module } from './di/s3Module.js';
export { S3_CLIENT_PROVIDER, S3_OPTIONS } from './di/tokens.js';
export { normalizePrefix } from './key/normalizePrefix.js';
export { TimePathKeyFormatter } from './key/TimePathKeyFormatter.js';
export { bucketPolicy, REQUIRED_S3_ACTIONS, type BucketPolicyOptions } from './policy/bucketPolicy.js';
export { NdjsonGzipSerializer } from './serialization/NdjsonGzipSerializer.js';
export { DefaultS3ClientProvider } from './upload/DefaultS3ClientProvider.js';
export { InFlightUploads, type InFlightUploadsView } from './upload/InFlightUploads.js';
export { MultipartUploader } from './upload/MultipartUploader.js';
export { OrphanSweeper } from './upload/OrphanSweeper.js';
export type { S3ClientProvider } from './upload/S3ClientProvider.js';
export { toDeliveryError } from './upload/toDeliveryError.js';
