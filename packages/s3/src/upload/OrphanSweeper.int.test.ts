import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLogger } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { startS3Server, S3RVER_CREDENTIALS, type TestS3Server } from '../../test-support/s3Server.js';
import { testSluice } from '../../test-support/testSluice.js';
import { parseS3Options } from '../config.js';
import { OrphanSweeper } from './OrphanSweeper.js';

describe('orphaned multipart uploads', () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server(['orphans']);
  });
  afterAll(() => s3.close());

  async function startUpload(key: string): Promise<string> {
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: 'orphans', Key: key }));
    return UploadId as string;
  }

  it('aborts old uploads under a prefix it writes to, and leaves other prefixes and young uploads alone', async () => {
    const old = await startUpload('mine/2024/01/01/00/left-by-a-crash.gz');
    const other = await startUpload('theirs/2024/01/01/00/not-ours.gz');
    // The uploads above are two hours old by this clock.
    const { sluice } = testSluice(s3.endpoint, { clock: new ManualClock(Date.now() + 2 * 3_600_000) });
    sluice.send.s3({ bucket: 'orphans', prefix: 'mine', payload: 1 });
    await sluice.flush();
    for (let i = 0; i < 50 && (await s3.openUploads('orphans')).includes(old); i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(await s3.openUploads('orphans')).toEqual([other]);
    await sluice.close();
  });

  it('keeps uploads younger than orphanUploadAgeMs and those in flight', async () => {
    const options = parseS3Options({ endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, orphanUploadAgeMs: 3_600_000 });
    const sweeper = new OrphanSweeper(options, new ManualClock(Date.now() + 60_000), new JsonLogger('silent'));
    const young = await startUpload('fresh/just-started.gz');
    const busy = await startUpload('fresh/in-flight.gz');
    sweeper.inFlight.add('fresh/in-flight.gz');
    expect(await sweeper.sweep(s3.client, 'orphans', 'fresh/', 3_600_000)).toBe(0);
    expect(await sweeper.sweep(s3.client, 'orphans', 'fresh/', 30_000)).toBe(1);
    expect((await s3.openUploads('orphans')).filter((id) => id === young || id === busy)).toEqual([busy]);
  });

  it('aborts a partial upload of the very key a retried batch is about to write', async () => {
    const sweeper = new OrphanSweeper(parseS3Options({}), new ManualClock(0), new JsonLogger('silent'));
    const stale = await startUpload('retry/2024/key.gz');
    const sibling = await startUpload('retry/2024/key.gz.other');
    expect(await sweeper.abortStale(s3.client, 'orphans', 'retry/2024/key.gz')).toBe(1);
    const open = await s3.openUploads('orphans');
    expect(open).toContain(sibling);
    expect(open).not.toContain(stale);
  });
});
