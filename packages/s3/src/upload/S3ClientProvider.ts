import type { S3Client } from '@aws-sdk/client-s3';

/**
 * Gives the uploader an S3 client for a bucket. Bind your own to S3_CLIENT_PROVIDER to reuse
 * a client your application already configured: `{ clientFor: async () => myClient }`.
 */
export interface S3ClientProvider {
  clientFor(bucket: string): Promise<S3Client>;
  /**
   * Optional: prepares the client(s) ahead of the first upload, in the background, one short
   * step per event-loop turn. Called once, when the uploader is made (as the sluice starts).
   * Must never throw or reject, send a request to S3, or hold the process open beyond close().
   */
  warm?(): Promise<void>;
  /**
   * Destroys the clients this provider made, so their sockets do not keep the process alive.
   * Called once, by the uploader's close(). A provider handing out the application's own
   * client should not define it: that client is the application's to destroy.
   */
  close?(): void | Promise<void>;
}
