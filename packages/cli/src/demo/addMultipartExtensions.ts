import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  type: string;
  body: string;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Adds the two multipart operations s3rver 3.7.1 lacks (AbortMultipartUpload,
 * ListMultipartUploads), which delivery's orphan sweep and `sluice verify` use, as Koa
 * middleware in front of its router. The same extension as @sluice/s3's test support, kept
 * here because a published package cannot import another package's test files.
 */
export function addMultipartExtensions(server: { middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>> }, directory: string): void {
  const uploads = (bucket: string) => path.join(directory, bucket, '._S3rver_uploads');
  server.middleware.unshift(async (ctx, next) => {
    const [, bucket = '', ...keyParts] = ctx.path.split('/');
    if (ctx.method === 'DELETE' && ctx.query.uploadId) {
      const dir = path.join(uploads(bucket), path.basename(ctx.query.uploadId));
      if (!(await stat(dir).then(() => true, () => false))) {
        ctx.status = 404;
        ctx.type = 'application/xml';
        ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = '';
      return;
    }
    if (ctx.method === 'GET' && keyParts.join('') === '' && 'uploads' in ctx.query) {
      const prefix = ctx.query.prefix ?? '';
      const found: string[] = [];
      for (const uploadId of await readdir(uploads(bucket)).catch(() => [] as string[])) {
        const key = await readFile(path.join(uploads(bucket), uploadId, 'key'), 'utf8').catch(() => undefined);
        if (key === undefined || !key.startsWith(prefix)) continue;
        const { birthtime } = await stat(path.join(uploads(bucket), uploadId));
        found.push(`<Upload><Key>${xml(key)}</Key><UploadId>${xml(uploadId)}</UploadId><Initiated>${birthtime.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`);
      }
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Bucket>${xml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${xml(prefix)}</Prefix>` +
        `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${found.sort().join('')}</ListMultipartUploadsResult>`;
      return;
    }
    await next();
  });
}
