// Reads back what landed: every object under a prefix, gunzipped when it is gzip, its lines
// counted. ListObjects v1: s3rver 3.7.1 answers 500 to paginated ListObjectsV2 on Node 17+.
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';

export const CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

export function adminClient(endpoint) {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...CREDENTIALS } });
}

/** { objects, lines, unreadable } under `prefix` of bucket `bench`; an object that does not gunzip counts as unreadable. */
export async function countLines(client, prefix) {
  let marker;
  let objects = 0;
  let lines = 0;
  let unreadable = 0;
  for (;;) {
    const page = await client.send(new ListObjectsCommand({ Bucket: 'bench', Prefix: prefix, Marker: marker }));
    for (const { Key } of page.Contents ?? []) {
      const response = await client.send(new GetObjectCommand({ Bucket: 'bench', Key }));
      let body = Buffer.from(await response.Body.transformToByteArray());
      objects += 1;
      marker = Key;
      if (body[0] === 0x1f && body[1] === 0x8b) {
        try {
          body = gunzipSync(body);
        } catch {
          unreadable += 1;
          continue;
        }
      }
      const text = body.toString('utf8');
      lines += text.split('\n').filter((line) => line.length > 0).length;
    }
    if (!page.IsTruncated) break;
  }
  return { objects, lines, unreadable };
}
