import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { EMBEDDED_S3_CREDENTIALS, startEmbeddedS3 } from '@sluice/cli';

/** What the examples need of S3 without an AWS account: the embedded server and a reader. */
export interface LocalS3 {
  /** Pass to `s3Module()`: the server's endpoint, path-style addressing, its credentials. */
  readonly s3Options: { endpoint: string; forcePathStyle: true; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Every object of the bucket, key and decompressed NDJSON lines (ListObjects v1, GetObject: reading back is the example's business, not Sluice's). */
  objects(bucket: string): Promise<{ key: string; lines: string[] }[]>;
  close(): Promise<void>;
}

/**
 * Starts the S3-compatible server `sluice serve` uses when it has no config (s3rver on
 * 127.0.0.1, a dev dependency of this repository) with the buckets created, files in a
 * temporary folder removed on close.
 */
export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'sluice-example-s3-'));
  const server = await startEmbeddedS3(directory, buckets);
  const credentials = { ...EMBEDDED_S3_CREDENTIALS };
  const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  return {
    s3Options: { endpoint: server.endpoint, forcePathStyle: true, credentials },
    async objects(bucket) {
      const { Contents = [] } = await client.send(new ListObjectsCommand({ Bucket: bucket }));
      const objects = [];
      for (const { Key } of Contents) {
        if (Key === undefined) continue;
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const bytes = await object.Body?.transformToByteArray();
        objects.push({ key: Key, lines: gunzipSync(Buffer.from(bytes ?? [])).toString('utf8').split('\n').filter((line) => line !== '') });
      }
      return objects;
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
