import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLogger } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { startFaultProxy, startS3Server, S3RVER_CREDENTIALS, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';
import { parseS3Options } from '../config.js';
import { InFlightUploads } from './InFlightUploads.js';
import { OrphanSweeper } from './OrphanSweeper.js';

const HOUR = 3_600_000;
/** A key as TimePathKeyFormatter writes it, under `prefix`. */
const timePathKey = (prefix: string, digit = 'a') => `${prefix ? `${prefix}/` : ''}2024/01/01/00/2024-01-01-00-00-07-${digit.repeat(64)}.gz`;

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

  function sweeperAt(now: number, inFlight = new InFlightUploads()) {
    const options = parseS3Options({ endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, orphanUploadAgeMs: HOUR });
    return new OrphanSweeper(options, new ManualClock(now), new JsonLogger('silent'), inFlight);
  }

  it("aborts old uploads of its own keys under prefixes it writes to, and never other prefixes' or other applications' uploads", async () => {
    const mine = await startUpload(timePathKey('mine'));
    const theirs = await startUpload(timePathKey('theirs'));
    const nested = await startUpload(timePathKey('mine/deeper'));
    const otherShape = await startUpload('mine/exports/report.csv');
    // The uploads above are two hours old by this clock.
    const sweeper = sweeperAt(Date.now() + 2 * HOUR);
    sweeper.noteWrite(s3.client, 'orphans', 'mine');
    await sweeper.idle();
    const open = await s3.openUploads('orphans');
    expect(open).not.toContain(mine);
    expect(open).toEqual(expect.arrayContaining([theirs, nested, otherShape]));
  });

  it('keeps uploads younger than orphanUploadAgeMs and those in flight', async () => {
    const inFlight = new InFlightUploads();
    const young = await startUpload(timePathKey('fresh', 'b'));
    const busy = await startUpload(timePathKey('fresh', 'c'));
    const youngSweeper = sweeperAt(Date.now() + 60_000, inFlight);
    youngSweeper.noteWrite(s3.client, 'orphans', 'fresh');
    await youngSweeper.idle();
    expect(await s3.openUploads('orphans')).toEqual(expect.arrayContaining([young, busy]));

    inFlight.begin('orphans', timePathKey('fresh', 'c'));
    const laterSweeper = sweeperAt(Date.now() + 2 * HOUR, inFlight);
    laterSweeper.noteWrite(s3.client, 'orphans', 'fresh');
    await laterSweeper.idle();
    const open = await s3.openUploads('orphans');
    expect(open).not.toContain(young);
    expect(open).toContain(busy);
  });

  it('aborts a partial upload of the very key a retried batch is about to write, whatever its age', async () => {
    const key = timePathKey('retry', 'd');
    const stale = await startUpload(key);
    const sibling = await startUpload(`${key}.other`);
    expect(await sweeperAt(Date.now()).abortStale(s3.client, 'orphans', key)).toBe(1);
    const open = await s3.openUploads('orphans');
    expect(open).toContain(sibling);
    expect(open).not.toContain(stale);
  });

  it('lists multipart uploads once per bucket and interval, however many prefixes it writes to', async () => {
    const proxy = await startFaultProxy(s3.endpoint);
    try {
      const { sluice } = testSluice(proxy.endpoint);
      for (let i = 0; i < 500; i += 1) sluice.send.s3({ bucket: 'orphans', prefix: `many/p${i}`, payload: i });
      await sluice.flush();
      const puts = proxy.requests.filter((r) => r.method === 'PUT');
      const listings = proxy.requests.filter((r) => r.method === 'GET' && /[?&]uploads\b/.test(r.url));
      expect(puts).toHaveLength(500);
      expect(listings.length).toBeLessThanOrEqual(2);
      await sluice.close();
    } finally {
      await proxy.close();
    }
  });
});
