import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { addMultipartExtensions, uploadsDirectory, type ConditionalWriteModes } from '@sluice/cli/s3rver-extensions';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's built-in account; any other key is answered with InvalidAccessKeyId. */
export const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

export interface TestS3Server {
  readonly endpoint: string;
  readonly directory: string;
  /** An admin client for reading back what landed (tests may use GetObject; Sluice never does). */
  readonly client: S3Client;
  /** Keys in a bucket, sorted; ListObjects v1, since s3rver 3.7.1 fails paginated v2 on Node 17+. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  get(bucket: string, key: string): Promise<{ body: Buffer; contentType: string | undefined; etag: string | undefined }>;
  /** Multipart uploads created and neither completed nor aborted. */
  openUploads(bucket: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 (a free port) with its files in a temporary folder, and creates
 * `buckets`, with the multipart operations s3rver lacks added (@sluice/cli/s3rver-extensions). By
 * default it ignores If-None-Match as s3rver does; `modes` makes it honour the header on
 * PutObject, on CompleteMultipartUpload, or both.
 */
export async function startS3Server(buckets: string[], modes: ConditionalWriteModes = {}): Promise<TestS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'sluice-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  addMultipartExtensions(server, directory, modes);
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { ...S3RVER_CREDENTIALS },
  });
  return {
    endpoint,
    directory,
    client,
    async keys(bucket, prefix) {
      const keys: string[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }));
        for (const object of page.Contents ?? []) keys.push(object.Key as string);
        if (!page.IsTruncated) break;
        marker = page.NextMarker ?? keys.at(-1);
      }
      return keys.sort();
    },
    async get(bucket, key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = Buffer.from(await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      return { body, contentType: response.ContentType, etag: response.ETag };
    },
    async openUploads(bucket) {
      return readdir(uploadsDirectory(directory, bucket)).catch(() => []);
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
