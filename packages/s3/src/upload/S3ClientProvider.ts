import type { S3Client } from '@aws-sdk/client-s3';

/**
 * Gives the uploader an S3 client for a bucket. Bind your own to S3_CLIENT_PROVIDER to reuse
 * a client your application already configured: `{ clientFor: async () => myClient }`.
 */
export interface S3ClientProvider {
  clientFor(bucket: string): Promise<S3Client>;
}
