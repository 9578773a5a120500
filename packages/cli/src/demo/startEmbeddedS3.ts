import { mkdir } from 'node:fs/promises';
import { SluiceError } from '@sluice/core';

/** s3rver's built-in account; any other key is refused with InvalidAccessKeyId. */
export const EMBEDDED_S3_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

/** A local S3-compatible server for the demo. */
export interface EmbeddedS3 {
  readonly endpoint: string;
  readonly directory: string;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

type AddExtensions = (server: S3rverInstance, directory: string) => void;

/**
 * Starts s3rver (an S3-compatible test server, a dev dependency of the Sluice repository) on
 * 127.0.0.1 with its files in `directory` and the buckets created: the default of
 * `sluice serve` without a config, so a clean clone runs end to end with no AWS account.
 * Throws SluiceError SLUICE_CONFIG when s3rver is not installed.
 */
export async function startEmbeddedS3(directory: string, buckets: readonly string[]): Promise<EmbeddedS3> {
  let S3rver: new (options: object) => S3rverInstance;
  let addMultipartExtensions: AddExtensions;
  try {
    // Variable specifiers: s3rver and the repository's test support (which adds the S3
    // behaviour s3rver lacks) are present in a clone, absent from a published install.
    const server = 's3rver';
    const extensions = '@sluice/test-support/s3rver-extensions';
    ({ default: S3rver } = (await import(server)) as { default: typeof S3rver });
    ({ addMultipartExtensions } = (await import(extensions)) as { addMultipartExtensions: AddExtensions });
  } catch {
    throw new SluiceError(
      'SLUICE_CONFIG',
      'No --config given and the embedded test S3 server (s3rver) is not installed. Give a config with --config sluice.config.json, or `npm install s3rver` to run the demo.',
    );
  }
  await mkdir(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  addMultipartExtensions(server, directory);
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, directory, close: () => server.close() };
}
