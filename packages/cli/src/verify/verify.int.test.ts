import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '@sluice/test-support';
import { startDenyingS3Proxy, type DenyingS3Proxy, type S3Permission } from '../../test-support/denyingS3Proxy.js';
import { main } from '../main.js';

const BUCKET = 'verify-test';
let s3: TestS3Server;
let proxy: DenyingS3Proxy;
let folder: string;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  proxy = await startDenyingS3Proxy(s3.endpoint);
  folder = mkdtempSync(path.join(tmpdir(), 'sluice-verify-'));
});
afterAll(async () => {
  await proxy.close();
  await s3.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Runs `sluice verify` through the proxy with s3rver's credentials from a config file, as an operator would. */
async function verify(denied: S3Permission[], extra: string[] = [], acl?: string): Promise<{ code: number; out: string }> {
  proxy.deny(denied);
  const config = path.join(folder, 'sluice.config.json');
  writeFileSync(config, JSON.stringify({ s3: { endpoint: proxy.endpoint, forcePathStyle: true, credentials: { accessKeyId: '${KEY}', secretAccessKey: '${SECRET}' }, ...(acl ? { acl } : {}) } }));
  let out = '';
  const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, env: { KEY: S3RVER_CREDENTIALS.accessKeyId, SECRET: S3RVER_CREDENTIALS.secretAccessKey }, cwd: folder };
  const code = await main(['verify', '--config', config, '--bucket', BUCKET, '--prefix', 'logs/app', ...extra], io);
  return { code, out };
}

async function expectBucketUntouched(): Promise<void> {
  expect(await s3.keys(BUCKET)).toEqual([]);
  expect(await s3.openUploads(BUCKET)).toEqual([]);
}

describe('sluice verify (a proxy in front of s3rver stands for the bucket policy: 403 AccessDenied for what it lacks)', () => {
  it('passes when all five permissions are granted, one line each, and leaves nothing in the bucket', async () => {
    const { code, out } = await verify([], [], 'bucket-owner-full-control');
    expect(code).toBe(0);
    for (const action of ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads', 's3:PutObject', 's3:PutObjectAcl', 's3:AbortMultipartUpload']) {
      expect(out).toMatch(new RegExp(`^  ok +${action} `, 'm'));
    }
    expect(out).toMatch(/^PASS: /m);
    await expectBucketUntouched();
  });

  it('skips PutObjectAcl when no ACL is configured, and still passes', async () => {
    const { code, out } = await verify(['s3:PutObjectAcl']);
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}skipped +s3:PutObjectAcl +not needed: no ACL is configured/m);
  });

  it.each<S3Permission>(['s3:GetBucketLocation', 's3:ListBucketMultipartUploads', 's3:PutObject', 's3:PutObjectAcl'])(
    'fails with exit code 3 naming %s when the policy lacks it, prints the policy that fixes it, and leaves nothing',
    async (permission) => {
      const { code, out } = await verify([permission], ['--principal', 'arn:aws:iam::123456789012:role/sluice'], 'bucket-owner-full-control');
      expect(code).toBe(3);
      expect(out).toMatch(new RegExp(`^  MISSING +${permission} +AccessDenied`, 'm'));
      expect(out).toMatch(new RegExp(`^FAIL: missing ${permission}\\.`, 'm'));
      const policy = JSON.parse(out.slice(out.indexOf('{')));
      expect(policy.Statement.flatMap((s: { Action: string[] }) => s.Action)).toContain(permission);
      expect(JSON.stringify(policy)).toContain('arn:aws:s3:::verify-test/logs/app/*');
      await expectBucketUntouched();
    },
  );

  it('fails naming s3:AbortMultipartUpload when it is lacking, and says which empty upload is left', async () => {
    const { code, out } = await verify(['s3:AbortMultipartUpload']);
    expect(code).toBe(3);
    expect(out).toMatch(/^ {2}MISSING +s3:AbortMultipartUpload/m);
    expect(out).toMatch(/could not be aborted; it holds no data/);
    expect(await s3.keys(BUCKET)).toEqual([]);
    // The upload the check could not abort: removed here as a lifecycle rule would.
    proxy.deny([]);
    expect(await s3.openUploads(BUCKET)).toHaveLength(1);
    const { AbortMultipartUploadCommand, ListMultipartUploadsCommand } = await import('@aws-sdk/client-s3');
    const { Uploads = [] } = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    for (const u of Uploads) await s3.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: u.Key, UploadId: u.UploadId }));
    await expectBucketUntouched();
  });

  it('exits 1, not 3, when the bucket does not exist', async () => {
    proxy.deny([]);
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, env: {}, cwd: folder };
    const config = path.join(folder, 'plain.json');
    writeFileSync(config, JSON.stringify({ s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } }));
    expect(await main(['verify', '--config', config, '--bucket', 'no-such-bucket'], io)).toBe(1);
    expect(out).toMatch(/NoSuchBucket/);
  });
});
