import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { BackpressureError, type DeadLetter } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { driveRetries, startFaultProxy, type FaultProxy, nextEvent, startS3Server, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';

/** The sluices below retry after at most this long (retry.maxDelayMs). */
const MAX_RETRY_DELAY_MS = 2_000;

describe('delivery under faults, outages and permanent errors', () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['faults', 'pressure']);
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterEach(() => proxy.setRule(undefined));
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });

  function sluiceVia(
    endpoint: string,
    options: { maxPendingBytes?: number; deadLetterAfterMs?: number; maxEvents?: number; requestTimeoutMs?: number } = {},
  ) {
    return testSluice(endpoint, {
      clock: new ManualClock('2024-07-01T08:00:00Z'),
      sluice: {
        retry: { initialDelayMs: 200, maxDelayMs: 2_000, permanentErrorDelayMs: 10_000 },
        ...(options.maxPendingBytes ? { maxPendingBytes: options.maxPendingBytes, maxEventBytes: 64 * 1024 } : {}),
        ...(options.deadLetterAfterMs ? { deadLetterAfterMs: options.deadLetterAfterMs } : {}),
      },
      modules: [minuteBatcherModule({ maxEvents: options.maxEvents ?? 0 })],
      s3: { maxAttempts: 1, requestTimeoutMs: options.requestTimeoutMs ?? 120_000 },
    });
  }

  async function idsIn(bucket: string, prefix: string): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for (const key of await s3.keys(bucket, prefix)) {
      for (const line of gunzipSync((await s3.get(bucket, key)).body).toString('utf8').trimEnd().split('\n')) {
        const { id } = JSON.parse(line) as { id: string };
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    return seen;
  }

  for (const [fault, rule, outage] of [
    ['503 SlowDown on every third request', (_req: unknown, i: number) => (i % 3 === 0 ? 503 : undefined), false],
    ['500 on every fourth request', (_req: unknown, i: number) => (i % 4 === 1 ? 500 : undefined), false],
    ['connections reset on every third request', (_req: unknown, i: number) => (i % 3 === 2 ? 'reset' : undefined), false],
    ['answers slower than the request timeout on every fifth request', (_req: unknown, i: number) => (i % 5 === 4 ? { delayMs: 800 } : undefined), false],
    ['connections refused for a while', () => undefined, true],
  ] as const) {
    const prefix = `faults-${fault.split(' ').slice(0, 2).join('-')}`;
    it(`stores thousands of events over several minutes and prefixes exactly once with ${fault}`, async () => {
      const { clock, sluice } = sluiceVia(proxy.endpoint, { maxEvents: 400, requestTimeoutMs: 400 });
      proxy.setRule(rule);
      if (outage) {
        // The outage lasts three failed attempts, however long the machine takes for them.
        const reopen = await proxy.refuseConnections();
        let refused = 0;
        sluice.on('deliveryError', () => void (++refused === 3 && reopen()));
      }
      const sent: string[] = [];
      for (let second = 0; second < 180; second += 1) {
        for (let i = 0; i < 12; i += 1) {
          const id = `${prefix}-${second}-${i}`;
          sluice.send.s3({ bucket: 'faults', prefix: `${prefix}/p${i % 3}`, payload: { id, second }, id });
          sent.push(id);
        }
        await clock.advance(1_000);
      }
      await driveRetries(sluice, clock, sluice.flush(), MAX_RETRY_DELAY_MS);
      expect(sluice.health().every((route) => route.pendingEvents === 0)).toBe(true);
      await sluice.close();
      const seen = await idsIn('faults', `${prefix}/`);
      expect(sent.length).toBe(2_160);
      expect(sent.filter((id) => seen.get(id) !== 1)).toEqual([]);
      expect(seen.size).toBe(sent.length);
      expect(await s3.openUploads('faults')).toEqual([]);
      expect(sluice.health().reduce((n, r) => n + r.retries, 0)).toBeGreaterThan(0);
    });
  }

  it('stops accepting at maxPendingBytes while S3 is down, and delivers everything accepted once it is back', async () => {
    const { clock, sluice } = sluiceVia(proxy.endpoint, { maxPendingBytes: 256 * 1024, maxEvents: 500 });
    proxy.setRule(() => 503);
    const accepted: string[] = [];
    let refused = 0;
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 20_000; i += 1) {
      const id = `p-${i}`;
      try {
        sluice.send.s3({ bucket: 'pressure', prefix: 'down', payload: { id, pad: 'y'.repeat(100) }, id });
        accepted.push(id);
      } catch (error) {
        expect(error).toBeInstanceOf(BackpressureError);
        refused += 1;
      }
      if (i % 1_000 === 999) await clock.advance(1_000);
    }
    expect(sluice.pendingBytes).toBeLessThanOrEqual(256 * 1024);
    expect(refused).toBeGreaterThan(15_000);
    expect(accepted.length).toBeGreaterThan(1_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);

    proxy.setRule(undefined);
    await driveRetries(sluice, clock, Promise.all([sluice.flush(), sluice.ready()]), MAX_RETRY_DELAY_MS);
    expect(sluice.pendingBytes).toBe(0);
    await sluice.close();
    const seen = await idsIn('pressure', 'down/');
    expect(accepted.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect(seen.size).toBe(accepted.length);
  });

  it('moves a batch for a missing bucket to the dead letters with its reason, and delivers it after replay', async () => {
    const { clock, sluice } = sluiceVia(s3.endpoint, { deadLetterAfterMs: 60_000 });
    const letters: DeadLetter[] = [];
    sluice.on('deadLetter', (letter) => letters.push(letter));
    sluice.send.s3({ bucket: 'not-yet', prefix: 'dl', payload: { id: 'dl-1' }, id: 'dl-1' });
    sluice.send.s3({ bucket: 'not-yet', prefix: 'dl', payload: { id: 'dl-2' }, id: 'dl-2' });
    sluice.flush().catch(() => {});
    await driveRetries(sluice, clock, nextEvent(sluice, 'deadLetter'));
    expect(letters[0]).toMatchObject({ route: 's3://not-yet/dl/', events: 2, reason: { code: 'NoSuchBucket' } });
    expect(letters[0]?.reason.message).toContain('create it, or correct the bucket name');
    expect(sluice.health()).toMatchObject([{ route: 's3://not-yet/dl/', deadLetters: 1, pendingEvents: 0 }]);

    await s3.client.send(new CreateBucketCommand({ Bucket: 'not-yet' }));
    expect(sluice.replayDeadLetters()).toBe(1);
    await sluice.flush();
    expect(sluice.deadLetters()).toEqual([]);
    expect([...(await idsIn('not-yet', 'dl/')).keys()].sort()).toEqual(['dl-1', 'dl-2']);
    expect(sluice.deliveredCount('dl-1')).toBe(1);
    await sluice.close();
  });
});
