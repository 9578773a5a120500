// Reads back what landed: every object under a prefix, gunzipped when it is gzip, its lines
// counted. ListObjects v1: s3rver 3.7.1 answers 500 to paginated ListObjectsV2 on Node 17+.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';

export const CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

export function adminClient(endpoint) {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...CREDENTIALS } });
}

/** Counts the non-empty lines of a stream of bytes, without holding it (a heavy minute is over 1 GB). */
function lineCounter() {
  let lines = 0;
  let last = 0x0a;
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
        const previous = i === 0 ? last : chunk[i - 1];
        if (previous !== 0x0a) lines += 1;
      }
      if (chunk.length > 0) last = chunk[chunk.length - 1];
      callback();
    },
  });
  return { sink, count: () => lines + (last !== 0x0a ? 1 : 0) };
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
      objects += 1;
      marker = Key;
      const counter = lineCounter();
      const gzip = Key.endsWith('.gz') || response.ContentType === 'application/gzip';
      try {
        await pipeline(response.Body, ...(gzip ? [createGunzip()] : []), counter.sink);
      } catch {
        unreadable += 1;
        continue;
      }
      lines += counter.count();
    }
    if (!page.IsTruncated) break;
  }
  return { objects, lines, unreadable };
}
