import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetBucketLocationCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { normalizePrefix } from '@sluice/s3';

/** The outcome of one permission's check. */
export interface PermissionCheck {
  readonly action: 's3:GetBucketLocation' | 's3:ListBucketMultipartUploads' | 's3:PutObject' | 's3:PutObjectAcl' | 's3:AbortMultipartUpload';
  /** granted, denied (403 AccessDenied), skipped (not needed, or cannot be tested), or error (another failure). */
  readonly status: 'granted' | 'denied' | 'skipped' | 'error';
  readonly detail: string;
}

/** What `sluice verify` found. */
export interface VerifyReport {
  readonly checks: readonly PermissionCheck[];
  /** Every needed permission is granted. */
  readonly passed: boolean;
  /** Multipart uploads the check created and could not abort (each holds no data). */
  readonly leftovers: ReadonlyArray<{ key: string; uploadId: string }>;
}

export interface VerifyOptions {
  readonly bucket: string;
  readonly prefix?: string;
  /** The canned ACL delivery sends (s3.acl); PutObjectAcl is checked only then. */
  readonly acl?: 'bucket-owner-full-control';
}

/**
 * Proves with the delivering credentials that each of the five permissions delivery needs is
 * granted, the way delivery uses it, and writes nothing: PutObject is proven by creating a
 * multipart upload (never completed, so no object appears) and AbortMultipartUpload by
 * aborting it; PutObjectAcl by creating one with the configured ACL, as S3 demands that
 * permission for a request carrying x-amz-acl.
 */
export async function verifyBucket(client: S3Client, options: VerifyOptions): Promise<VerifyReport> {
  const { bucket, acl } = options;
  const prefix = normalizePrefix(options.prefix ?? '');
  const key = `${prefix ? `${prefix}/` : ''}.sluice-verify-${randomBytes(6).toString('hex')}`;
  const checks: PermissionCheck[] = [];
  const uploads: Array<{ key: string; uploadId: string }> = [];

  const attempt = async (action: PermissionCheck['action'], run: () => Promise<string>): Promise<boolean> => {
    try {
      checks.push({ action, status: 'granted', detail: await run() });
      return true;
    } catch (error) {
      checks.push(classify(action, error));
      return false;
    }
  };

  await attempt('s3:GetBucketLocation', async () => {
    const { LocationConstraint } = await client.send(new GetBucketLocationCommand({ Bucket: bucket }));
    return `the bucket is in ${LocationConstraint || 'us-east-1'}`;
  });
  await attempt('s3:ListBucketMultipartUploads', async () => {
    const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : undefined, MaxUploads: 10 }));
    return `${Uploads.length === 10 ? '10 or more' : Uploads.length} unfinished upload(s) under the prefix`;
  });
  const putGranted = await attempt('s3:PutObject', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    if (UploadId) uploads.push({ key, uploadId: UploadId });
    return `created a multipart upload of ${key} (never completed: no object is written)`;
  });
  if (!acl) {
    checks.push({ action: 's3:PutObjectAcl', status: 'skipped', detail: 'not needed: no ACL is configured (s3.acl)' });
  } else if (!putGranted) {
    checks.push({ action: 's3:PutObjectAcl', status: 'skipped', detail: 'cannot be tested without s3:PutObject' });
  } else {
    await attempt('s3:PutObjectAcl', async () => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ACL: acl }));
      if (UploadId) uploads.push({ key, uploadId: UploadId });
      return `created a multipart upload with ACL ${acl}`;
    });
  }
  const leftovers: Array<{ key: string; uploadId: string }> = [];
  if (uploads.length === 0) {
    checks.push({ action: 's3:AbortMultipartUpload', status: 'skipped', detail: 'cannot be tested without an upload to abort (s3:PutObject)' });
  } else {
    let failure: PermissionCheck | undefined;
    for (const upload of uploads) {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }));
      } catch (error) {
        failure ??= classify('s3:AbortMultipartUpload', error);
        leftovers.push(upload);
      }
    }
    checks.push(failure ?? { action: 's3:AbortMultipartUpload', status: 'granted', detail: 'aborted the test upload: nothing is left in the bucket' });
  }
  const passed = checks.every((check) => check.status === 'granted' || (check.status === 'skipped' && check.detail.startsWith('not needed')));
  return { checks, passed, leftovers };
}

function classify(action: PermissionCheck['action'], error: unknown): PermissionCheck {
  const { name, message, $metadata } = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  if (name === 'AccessDenied' || status === 403) {
    return { action, status: 'denied', detail: `${name ?? 'AccessDenied'} (HTTP ${status ?? 403}): ${message ?? 'access denied'}` };
  }
  return { action, status: 'error', detail: `${name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${message ?? String(error)}` };
}
