import { gunzipSync } from 'node:zlib';
import { Container, ContainerModule } from 'inversify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { CLOCK, createSluice } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { s3Module } from '@sluice/s3';
import { S3RVER_CREDENTIALS, startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { readBucket, waitUntil } from '../test-support/fleet.js';
import { fleetModule } from './di/fleetModule.js';
import { FLEET } from './di/tokens.js';

describe('fleet mode with batcher caps', () => {
  let s3: TestS3Server;
  let server: TestRedis;
  beforeEach(async () => {
    s3 = await startS3Server(['fleet']);
    server = await startRedis();
  });
  afterEach(async () => {
    await server.close();
    await s3.close();
  });

  it('writes a route-window over maxEvents as several objects of at most maxEvents, every event once', async () => {
    const clock = new ManualClock('2024-05-25T12:00:10Z');
    const container = new Container();
    const sluice = createSluice({
      container,
      logLevel: 'silent',
      handleSignals: false,
      modules: [
        new ContainerModule(({ bind }) => {
          bind(CLOCK).toConstantValue(clock);
        }),
        minuteBatcherModule({ maxEvents: 7 }),
        s3Module({ endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS }),
        fleetModule({ url: server.url, shards: 2, graceMs: 5_000, leaseMs: 2_000, pollIntervalMs: 20 }),
      ],
    });
    try {
      // Appended in three rounds: the route-window spans several stream entries.
      for (let round = 0; round < 3; round += 1) {
        for (let n = 0; n < 10; n += 1) sluice.send.s3({ bucket: 'fleet', prefix: n < 8 ? 'big' : 'small', payload: { id: `e${round * 10 + n}` } });
        await sluice.flush();
        await clock.advanceTo(clock.now() + 1_000);
      }
      await clock.advanceTo('2024-05-25T12:01:06Z');
      // big: 24 events in objects of 7, 7, 7 and 3; small: 6 events in one.
      await waitUntil('the five objects', async () => (await s3.keys('fleet')).length === 5);
      const { seen, keys } = await readBucket(s3, 'fleet', 60_000);
      expect(seen.size).toBe(30);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      expect(keys.filter((key) => key.startsWith('big/'))).toHaveLength(4);
      expect(keys.filter((key) => key.startsWith('small/'))).toHaveLength(1);
      const lines = await Promise.all(keys.map(async (key) => gunzipSync((await s3.get('fleet', key)).body).toString('utf8').trimEnd().split('\n').length));
      expect(lines.sort()).toEqual([3, 6, 7, 7, 7]);
      expect(container.get(FLEET).stats()).toMatchObject({ deliveredObjects: 5, deliveredEvents: 30 });
    } finally {
      await sluice.close();
    }
  });
});
