import { mkdir } from 'node:fs/promises';
import { SluiceError } from '@sluice/core';
import { addMultipartExtensions } from './s3rverExtensions.js';

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

/** What to do when the demo cannot start: s3rver is an optional peer, not installed with @sluice/cli. */
export const EMBEDDED_S3_MISSING =
  'No --config given, so `sluice serve` would run its demo on the S3-compatible test server s3rver, which could not be loaded ' +
  '(it is an optional peer dependency of @sluice/cli, not installed with it). To run the demo, install s3rver where @sluice/cli is: ' +
  '`npm install s3rver` beside a local @sluice/cli, `npm install -g s3rver` beside a global one, or `npx -p @sluice/cli -p s3rver sluice serve`. ' +
  'To deliver to your own buckets, give --config sluice.config.json: `{}` is a valid config (each event names its bucket; ' +
  'S3 credentials and region come from the AWS SDK chain), and `sluice verify --bucket YOUR-BUCKET` checks a bucket first.';

/**
 * Starts s3rver (an S3-compatible test server: an optional peer dependency, a dev dependency
 * of the Sluice repository) on 127.0.0.1 with its files in `directory` and the buckets
 * created, with the S3 behaviour s3rver lacks added (s3rverExtensions.ts): the default of
 * `sluice serve` without a config, so it runs end to end with no AWS account.
 * Throws SluiceError SLUICE_CONFIG (EMBEDDED_S3_MISSING) when s3rver is not installed.
 */
export async function startEmbeddedS3(directory: string, buckets: readonly string[]): Promise<EmbeddedS3> {
  let S3rver: new (options: object) => S3rverInstance;
  try {
    // A variable specifier: s3rver ships no types, and is absent unless installed beside the cli.
    const server = 's3rver';
    ({ default: S3rver } = (await import(server)) as { default: typeof S3rver });
  } catch (error) {
    throw new SluiceError('SLUICE_CONFIG', EMBEDDED_S3_MISSING, { cause: error });
  }
  await mkdir(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  addMultipartExtensions(server, directory);
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, directory, close: () => server.close() };
}
