import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetter } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { nextEvent, startFaultProxy, startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { clockedFleetSluice, drained, readBucket, waitUntil } from '../test-support/fleet.js';
import { FleetDeadLetters } from './admin/FleetDeadLetters.js';
import { FleetRedis } from './redis/FleetRedis.js';
import { shardKeys } from './redis/shardKeys.js';

describe('fleet dead letters', () => {
  let s3: TestS3Server;
  let server: TestRedis;
  let redis: Redis;
  beforeEach(async () => {
    s3 = await startS3Server(['fleet']);
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    redis.disconnect();
    await server.close();
    await s3.close();
  });

  it('moves a batch S3 refuses for good aside while the other route of its shard is delivered, and a replay after the fix delivers every record once', async () => {
    const clock = new ManualClock('2024-05-25T12:00:10Z');
    // One shard: both routes share it, so a batch holding it would hold the other route too.
    const { sluice, fleet } = clockedFleetSluice({ s3Endpoint: s3.endpoint, redisUrl: server.url, shards: 1, clock });
    const letters = await FleetDeadLetters.open({ url: server.url, shards: 1 });
    try {
      for (let n = 0; n < 40; n += 1) {
        sluice.send.s3({ bucket: n % 2 === 0 ? 'fleet' : 'missing', prefix: 'p', payload: { id: `e${n}` } });
      }
      await sluice.flush();
      const buried = nextEvent(sluice, 'deadLetter');
      const delivered = nextEvent(sluice, 'delivered');
      await clock.advanceTo('2024-05-25T12:01:06Z');
      const letter: DeadLetter = await buried;
      expect(letter).toMatchObject({ destination: 's3', route: 's3://missing/p/', events: 20, reason: { code: 'NoSuchBucket', attempts: 1 } });
      expect(letter.key).toMatch(/^p\/2024\/05\/25\/12\/2024-05-25-12-00-10-[0-9a-f]{64}\.gz$/);
      expect(await delivered).toMatchObject({ route: 's3://fleet/p/', events: 20 });
      // Committed past both and trimmed from the live stream: the shard went on.
      await waitUntil('the shard committed past both batches', () => drained(redis, 1));

      const listed = await letters.list();
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ shard: 0, identifier: letter.identifier, route: 's3://missing/p/', target: { bucket: 'missing', prefix: 'p' }, key: letter.key, events: 20, late: false });
      expect(listed[0]?.reason.message).not.toContain('S3RVER');
      expect(listed[0]?.window).toEqual({ start: Date.parse('2024-05-25T12:00:00Z'), end: Date.parse('2024-05-25T12:01:00Z') });
      // The dead letter's records still count toward the backlog bound.
      expect(Number(await redis.get(shardKeys('sluice', 0).bytes))).toBe(listed[0]?.bytes);
      expect(fleet.stats()).toMatchObject({ deadLetters: 1, deadLetterEvents: 20, deliveredObjects: 1, deliveredEvents: 20 });
      expect(sluice.health().find((route) => route.route === 's3://missing/p/')).toMatchObject({ deadLetters: 1, lastError: { code: 'NoSuchBucket' } });

      await s3.client.send(new CreateBucketCommand({ Bucket: 'missing' }));
      const redelivered = nextEvent(sluice, 'delivered');
      expect(await letters.replay(listed[0] as (typeof listed)[0])).toBe(true);
      // Replayed once: a second replay of the same dead letter finds nothing.
      expect(await letters.replay(listed[0] as (typeof listed)[0])).toBe(false);
      expect(await redelivered).toMatchObject({ route: 's3://missing/p/', events: 20 });
      const { seen, keys } = await readBucket(s3, 'missing', 60_000);
      expect([...seen.keys()].sort()).toEqual([...Array(20).keys()].map((n) => `e${2 * n + 1}`).sort());
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      // A late object of the original minute.
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^p\/2024\/05\/25\/12\/2024-05-25-12-00-10-/);
      expect(await letters.list()).toEqual([]);
      await waitUntil('the replayed batch committed', () => drained(redis, 1));
      expect(Number(await redis.get(shardKeys('sluice', 0).bytes))).toBe(0);
      expect(fleet.stats()).toMatchObject({ lateObjects: 1, lateEvents: 20, deliveredEvents: 40 });
    } finally {
      letters.close();
      await sluice.close();
    }
  });

  it('retries a batch that fails with a retryable error, holding its shard, and moves it aside once it has failed for deadLetterAfterMs', async () => {
    const proxy = await startFaultProxy(s3.endpoint);
    // Every upload of the route "slow" answers 503 SlowDown (a retryable error).
    proxy.setRule((request) => ((request.url ?? '').startsWith('/fleet/slow/') ? 503 : undefined));
    const clock = new ManualClock('2024-05-25T12:00:10Z');
    const { sluice, fleet } = clockedFleetSluice({
      s3Endpoint: proxy.endpoint,
      redisUrl: server.url,
      shards: 1,
      clock,
      sluice: { deadLetterAfterMs: 60_000, retry: { initialDelayMs: 1, maxDelayMs: 20 } },
      s3: { maxAttempts: 1 },
    });
    try {
      // "slow" first: its batch comes first in the shard and holds the shard while it is retried.
      for (let n = 0; n < 10; n += 1) sluice.send.s3({ bucket: 'fleet', prefix: n < 5 ? 'slow' : 'ok', payload: { id: `e${n}` } });
      await sluice.flush();
      const failed = nextEvent(sluice, 'deliveryError');
      await clock.advanceTo('2024-05-25T12:01:06Z');
      expect(await failed).toMatchObject({ route: 's3://fleet/slow/', retryable: true, code: 'SlowDown', attempt: 1 });
      const secondFailure = new Promise<void>((resolve) => {
        const listener = (event: { attempt: number }) => {
          if (event.attempt < 2) return;
          sluice.off('deliveryError', listener);
          resolve();
        };
        sluice.on('deliveryError', listener);
      });
      await secondFailure;
      // Retried, not given up on: nothing of the shard is delivered meanwhile.
      expect(fleet.stats()).toMatchObject({ deadLetters: 0, deliveredObjects: 0 });
      expect(await s3.keys('fleet')).toEqual([]);
      const buried = nextEvent(sluice, 'deadLetter');
      const delivered = nextEvent(sluice, 'delivered');
      await clock.advanceTo('2024-05-25T12:02:06Z');
      const letter = await buried;
      expect(letter).toMatchObject({ route: 's3://fleet/slow/', events: 5, reason: { code: 'SlowDown', firstFailureAt: Date.parse('2024-05-25T12:01:06Z') } });
      expect(letter.reason.attempts).toBeGreaterThanOrEqual(2);
      // Then the shard goes on.
      expect(await delivered).toMatchObject({ route: 's3://fleet/ok/', events: 5 });
    } finally {
      await sluice.close();
      await proxy.close();
    }
  });

  it('lets no owner whose lease was taken move a batch to the dead letters', async () => {
    const fleetRedis = new FleetRedis(server.url, false);
    try {
      const keys = shardKeys('sluice', 0);
      const old = Number(await fleetRedis.scripts.sluiceAcquire(keys.lease, keys.epoch, 'a', 60_000));
      // The lease expired (a paused owner) and another flusher took the shard.
      await redis.del(keys.lease);
      const current = Number(await fleetRedis.scripts.sluiceAcquire(keys.lease, keys.epoch, 'b', 60_000));
      expect(current).toBe(old + 1);
      const bury = (holder: string, identifier: string) => fleetRedis.scripts.sluiceDead(keys.lease, keys.dead, keys.done, keys.bytes, holder, identifier, '1-0', 10, 'b', 'x'.repeat(10));
      expect(Number(await bury(`a ${old}`, 'batch-1'))).toBe(0);
      expect(await redis.xlen(keys.dead)).toBe(0);
      expect(await redis.hgetall(keys.done)).toEqual({});
      expect(await redis.get(keys.bytes)).toBeNull();
      // The current owner may, once: sent again it adds nothing.
      expect(Number(await bury(`b ${current}`, 'batch-1'))).toBe(1);
      expect(Number(await bury(`b ${current}`, 'batch-1'))).toBe(1);
      expect(await redis.xlen(keys.dead)).toBe(1);
      expect(await redis.hgetall(keys.done)).toEqual({ 'batch-1': '1-0' });
      expect(await redis.get(keys.bytes)).toBe('10');
    } finally {
      fleetRedis.close();
    }
  });
});
