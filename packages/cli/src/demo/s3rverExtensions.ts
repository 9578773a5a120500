// s3rver 3.7 lacks two multipart operations Sluice uses, and stores objects in a way S3 does
// not; the demo, the repository's tests and its benchmark add what is missing here, as Koa
// middleware in front of s3rver's router:
//   AbortMultipartUpload  (DELETE /bucket/key?uploadId=…): deletes the upload's stored parts
//   ListMultipartUploads  (GET /bucket?uploads&prefix=…): lists uploads neither completed nor aborted
// and makes UploadPart answer 404 NoSuchUpload to an upload that does not exist (aborted or
// completed), as S3 does: s3rver would create the upload's folder again for the part, leaving an
// upload without a key that no listing shows and no abort can reach.
// and, when asked, conditional writes (s3rver ignores If-None-Match): `conditionalPut`
// answers 412 PreconditionFailed to a PutObject with `If-None-Match: *` whose key exists;
// `conditionalComplete` does the same for CompleteMultipartUpload. S3 honours both; some
// S3-compatible servers honour the first and ignore the second, which
// { conditionalPut: true, conditionalComplete: false } imitates.
// s3rver keeps an upload in <directory>/<bucket>/._S3rver_uploads/<uploadId>/ with a `key` file.
// s3rver also answers a PutObject (and a completion) before the object's file is written, and
// writes it in place, so a reader can see half an object and an aborted upload can leave one.
// S3 stores an object whole and atomically before it answers; the store is patched to do the
// same: write to a temporary file, wait for it, rename it into place.
// This lives in the cli package because `sluice serve` without a config runs this server for
// anyone who installed s3rver beside @sluice/cli; only node: modules are imported.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Which conditional writes the server honours; s3rver itself ignores If-None-Match. */
export interface ConditionalWriteModes {
  /** Answer 412 to PutObject with If-None-Match: * when the key exists. Default: false (s3rver ignores the header). */
  readonly conditionalPut?: boolean;
  /** Answer 412 to CompleteMultipartUpload with If-None-Match: * when the key exists. Default: false. */
  readonly conditionalComplete?: boolean;
}

/** What the middleware reads of Koa's context in s3rver 3.7. */
interface KoaContext {
  readonly path: string;
  readonly method: string;
  readonly query: Record<string, string | undefined>;
  readonly req: { resume(): void };
  get(header: string): string;
  status: number;
  type: string;
  body: string;
}

/** What is patched of s3rver 3.7's FilesystemStore. */
interface FilesystemStore {
  existsObject(bucket: string, key: string): Promise<boolean>;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; metadata: unknown; content: Buffer | Readable }): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: string, content: Readable): Promise<{ size: number; md5: string }>;
}

/** What is reached of an s3rver 3.7 instance: its store and its Koa middleware stack. */
interface S3rverInternals {
  store: FilesystemStore;
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Where s3rver keeps a bucket's open multipart uploads, one folder per upload. */
export function uploadsDirectory(directory: string, bucket: string): string {
  return path.join(directory, bucket, '._S3rver_uploads');
}

const NO_SUCH_UPLOAD = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';

function answer(ctx: KoaContext, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = body;
}

/**
 * Adds AbortMultipartUpload, ListMultipartUploads, whole-object storage and (when asked)
 * conditional writes to an s3rver 3.7 instance not yet running, whose files are in `directory`.
 */
export function addMultipartExtensions(server: unknown, directory: string, modes: ConditionalWriteModes = {}): void {
  const { conditionalPut = false, conditionalComplete = false } = modes;
  const s3rver = server as S3rverInternals;
  storeObjectsWhole(s3rver.store);
  storePartsOnlyInUploads(s3rver.store);
  s3rver.middleware.unshift(async (ctx, next) => {
    const [, bucket = '', ...keyParts] = ctx.path.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const ifNoneMatch = ctx.get('if-none-match') === '*';
    if (ifNoneMatch && key !== '' && (await s3rver.store.existsObject(bucket, key))) {
      const isPut = ctx.method === 'PUT' && !ctx.query['uploadId'] && !ctx.get('x-amz-copy-source');
      const isComplete = ctx.method === 'POST' && !!ctx.query['uploadId'];
      if ((isPut && conditionalPut) || (isComplete && conditionalComplete)) {
        ctx.req.resume();
        answer(
          ctx,
          412,
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>',
        );
        return;
      }
    }
    const uploadId = ctx.query['uploadId'];
    if (ctx.method === 'PUT' && uploadId && ctx.query['partNumber']) {
      const keyFile = path.join(uploadsDirectory(directory, bucket), path.basename(uploadId), 'key');
      const exists = await stat(keyFile).then(
        () => true,
        () => false,
      );
      if (!exists) {
        ctx.req.resume();
        answer(ctx, 404, NO_SUCH_UPLOAD);
        return;
      }
    }
    if (ctx.method === 'DELETE' && uploadId) {
      const dir = path.join(uploadsDirectory(directory, bucket), path.basename(uploadId));
      const exists = await stat(dir).then(
        () => true,
        () => false,
      );
      if (!exists) {
        answer(ctx, 404, NO_SUCH_UPLOAD);
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = '';
      return;
    }
    if (ctx.method === 'GET' && keyParts.join('') === '' && 'uploads' in ctx.query) {
      const prefix = ctx.query['prefix'] ?? '';
      const root = uploadsDirectory(directory, bucket);
      const uploads: Array<{ key: string; uploadId: string; initiated: string }> = [];
      for (const id of await readdir(root).catch(() => [])) {
        const uploadKey = await readFile(path.join(root, id, 'key'), 'utf8').catch(() => undefined);
        if (uploadKey === undefined || !uploadKey.startsWith(prefix)) continue;
        const { birthtime } = await stat(path.join(root, id));
        uploads.push({ key: uploadKey, uploadId: id, initiated: birthtime.toISOString() });
      }
      uploads.sort((a, b) => (a.key === b.key ? a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1));
      answer(
        ctx,
        200,
        '<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Bucket>${xml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${xml(prefix)}</Prefix>` +
          '<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>' +
          uploads.map((u) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.uploadId}</UploadId><Initiated>${u.initiated}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`).join('') +
          '</ListMultipartUploadsResult>',
      );
      return;
    }
    await next();
  });
}

/** s3rver's FilesystemStore.putObject, writing to a temporary file that is renamed into place once whole. */
function storeObjectsWhole(store: FilesystemStore): void {
  store.putObject = async function putObject(this: FilesystemStore, object) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(objectPath), { recursive: true });
    const partial = `${objectPath}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      if (Buffer.isBuffer(object.content)) {
        md5.update(object.content);
        size = object.content.length;
        await pipeline([object.content], createWriteStream(partial));
      } else {
        const count = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        });
        await pipeline(object.content, count, createWriteStream(partial));
      }
      await rename(partial, objectPath);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/**
 * s3rver's FilesystemStore.putPart without creating the upload's folder: a part whose upload is
 * aborted while it arrives fails (the SDK retries it and gets NoSuchUpload) instead of bringing
 * the upload back.
 */
function storePartsOnlyInUploads(store: FilesystemStore): void {
  store.putPart = async function putPart(this: FilesystemStore, bucket, uploadId, partNumber, content) {
    const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), path.basename(uploadId), partNumber);
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(content, count, createWriteStream(partPath));
    const digest = md5.digest('hex');
    await writeFile(`${partPath}.md5`, digest);
    return { size, md5: digest };
  };
}
