import { gunzipSync } from 'node:zlib';
import { injectable } from 'inversify';
import type { UploadRequest, UploadResult, Uploader } from '@sluice/core';
import type { S3Target } from '../destination/S3Target.js';

/** One object an {@link InMemoryUploader} stored. */
export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly events: number;
}

/**
 * An uploader that keeps objects in memory, keyed like S3 (a second write of a key is
 * reported as `alreadyExisted`, as with conditional writes). For unit tests of code that
 * sends to S3; bind it with `s3TestingModule()`.
 */
@injectable()
export class InMemoryUploader implements Uploader<S3Target> {
  readonly objects = new Map<string, StoredObject>();
  #failures: unknown[] = [];

  async upload(request: UploadRequest<S3Target>): Promise<UploadResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of request.body) chunks.push(Buffer.from(chunk as Uint8Array));
    if (this.#failures.length > 0) throw this.#failures.shift();
    const { bucket } = request.batch.target;
    const location = `s3://${bucket}/${request.key}`;
    const body = Buffer.concat(chunks);
    if (this.objects.has(location)) return { location, bytes: body.length, parts: 1, alreadyExisted: true };
    this.objects.set(location, { bucket, key: request.key, body, contentType: request.contentType, events: request.batch.events });
    return { location, bytes: body.length, parts: 1, alreadyExisted: false };
  }

  /** The next `count` uploads throw `error`. */
  failNext(count: number, error: unknown): void {
    for (let i = 0; i < count; i += 1) this.#failures.push(error);
  }

  /** Keys stored in `bucket`, sorted. */
  keys(bucket?: string): string[] {
    return [...this.objects.values()]
      .filter((o) => bucket === undefined || o.bucket === bucket)
      .map((o) => o.key)
      .sort();
  }

  /** The lines of a stored gzip NDJSON object (its body gunzipped and split on "\n"). */
  lines(bucket: string, key: string): string[] {
    const object = this.objects.get(`s3://${bucket}/${key}`);
    if (!object) throw new Error(`No object s3://${bucket}/${key}; stored: ${[...this.objects.keys()].join(', ') || 'none'}`);
    const text = gunzipSync(object.body).toString('utf8');
    return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  }
}
