// Two multipart operations s3rver 3.7.1 lacks, added as Koa middleware in front of its
// router, so servers started for tests, the demo and the benchmark behave like S3 there:
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
// Also: s3rver answers a PutObject (and a completion) before the object's file is written, and
// writes it in place, so a reader can see half an object and an aborted upload can leave one.
// S3 stores an object whole and atomically before it answers; `storeObjectsWhole` makes
// s3rver do the same: write to a temporary file, wait for it, rename it into place.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';

const xml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function uploadsDirectory(directory, bucket) {
  return path.join(directory, bucket, '._S3rver_uploads');
}

const preconditionFailed = (ctx) => {
  ctx.status = 412;
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';
};

const noSuchUpload = (ctx) => {
  ctx.status = 404;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
};

export function addMultipartExtensions(server, directory, { conditionalPut = false, conditionalComplete = false } = {}) {
  storeObjectsWhole(server.store);
  storePartsOnlyInUploads(server.store);
  server.middleware.unshift(async (ctx, next) => {
    const [, bucket = '', ...keyParts] = ctx.path.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const ifNoneMatch = ctx.get('if-none-match') === '*';
    if (ifNoneMatch && key !== '' && (await server.store.existsObject(bucket, key))) {
      const isPut = ctx.method === 'PUT' && !ctx.query.uploadId && !ctx.get('x-amz-copy-source');
      const isComplete = ctx.method === 'POST' && !!ctx.query.uploadId;
      if ((isPut && conditionalPut) || (isComplete && conditionalComplete)) {
        ctx.req.resume();
        preconditionFailed(ctx);
        return;
      }
    }
    if (ctx.method === 'PUT' && ctx.query.uploadId && ctx.query.partNumber) {
      const keyFile = path.join(uploadsDirectory(directory, bucket), path.basename(ctx.query.uploadId), 'key');
      if (!(await stat(keyFile).then(() => true, () => false))) {
        ctx.req.resume();
        noSuchUpload(ctx);
        return;
      }
    }
    if (ctx.method === 'DELETE' && ctx.query.uploadId) {
      const dir = path.join(uploadsDirectory(directory, bucket), path.basename(ctx.query.uploadId));
      const exists = await stat(dir).then(() => true, () => false);
      if (!exists) {
        noSuchUpload(ctx);
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = '';
      return;
    }
    if (ctx.method === 'GET' && keyParts.join('') === '' && 'uploads' in ctx.query) {
      const prefix = ctx.query.prefix ?? '';
      const root = uploadsDirectory(directory, bucket);
      const uploads = [];
      for (const uploadId of await readdir(root).catch(() => [])) {
        const key = await readFile(path.join(root, uploadId, 'key'), 'utf8').catch(() => undefined);
        if (key === undefined || !key.startsWith(prefix)) continue;
        const { birthtime } = await stat(path.join(root, uploadId));
        uploads.push({ key, uploadId, initiated: birthtime.toISOString() });
      }
      uploads.sort((a, b) => (a.key === b.key ? a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1));
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Bucket>${xml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${xml(prefix)}</Prefix>` +
        '<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>' +
        uploads.map((u) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.uploadId}</UploadId><Initiated>${u.initiated}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`).join('') +
        '</ListMultipartUploadsResult>';
      return;
    }
    await next();
  });
}

/** s3rver's FilesystemStore.putObject, writing to a temporary file that is renamed into place once whole. */
function storeObjectsWhole(store) {
  store.putObject = async function putObject(object) {
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
          transform(chunk, encoding, callback) {
            md5.update(chunk, encoding);
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
function storePartsOnlyInUploads(store) {
  store.putPart = async function putPart(bucket, uploadId, partNumber, content) {
    const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), path.basename(uploadId), String(partNumber));
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk, encoding, callback) {
        md5.update(chunk, encoding);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(content, count, createWriteStream(partPath, { flags: 'w' }));
    const digest = md5.digest('hex');
    await writeFile(`${partPath}.md5`, digest, { flag: 'w' });
    return { size, md5: digest };
  };
}
