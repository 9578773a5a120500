import { gunzipSync } from 'node:zlib';
import { ContainerModule } from 'inversify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { EVENT_TIME, PayloadFieldEventTime } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { clockedFleetSluice, readBucket, waitUntil } from '../test-support/fleet.js';

describe('fleet mode with the minute batcher (caps too)', () => {
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

  it('seals each minute graceMs after it ends, by the injected clock, and puts records of a sealed minute in a late object of that minute', async () => {
    const clock = new ManualClock('2024-05-25T12:00:10Z');
    const eventTime = new ContainerModule(({ bind }) => {
      bind(EVENT_TIME).toConstantValue(new PayloadFieldEventTime('ts'));
    });
    const { sluice, fleet } = clockedFleetSluice({ s3Endpoint: s3.endpoint, redisUrl: server.url, shards: 2, clock, modules: [eventTime] });
    const objects = async () => (await s3.keys('fleet')).length;
    const late: Array<{ key: string; events: number }> = [];
    sluice.on('delivered', (event) => {
      if (event.late) late.push({ key: event.key, events: event.events });
    });
    try {
      for (let n = 0; n < 30; n += 1) sluice.send.s3({ bucket: 'fleet', prefix: `r${n % 3}`, payload: { id: `a${n}` } });
      const r0 = () => sluice.health().find((route) => route.route.endsWith('/r0/'));
      expect(r0()).toMatchObject({ destination: 's3', pendingEvents: 10, oldestPendingAt: clock.now(), deliveredEvents: 0 });
      await sluice.flush();
      // In Redis now, and not delivered yet: nothing of r0 left in this process.
      expect(r0()?.pendingEvents ?? 0).toBe(0);
      await clock.advanceTo('2024-05-25T12:01:04Z');
      for (let n = 0; n < 30; n += 1) sluice.send.s3({ bucket: 'fleet', prefix: `r${n % 3}`, payload: { id: `b${n}` } });
      await sluice.flush();
      // Within the grace nothing is sealed; the owner holds the minute.
      expect(await objects()).toBe(0);
      await clock.advanceTo('2024-05-25T12:01:06Z');
      await waitUntil('the 12:00 objects of the three routes', async () => (await objects()) === 3);
      // An event of 12:00 (its own time), after 12:00 was sealed: a late object of 12:00.
      sluice.send.s3({ bucket: 'fleet', prefix: 'r0', payload: { id: 'late', ts: '2024-05-25T12:00:30Z' } });
      await sluice.flush();
      await waitUntil('the late object', async () => (await objects()) === 4);
      await clock.advanceTo('2024-05-25T12:02:06Z');
      await waitUntil('the 12:01 objects', async () => (await objects()) === 7);
      const { seen, keys } = await readBucket(s3, 'fleet', 60_000);
      expect([...seen.keys()].sort()).toEqual([...Array(30).keys()].flatMap((n) => [`a${n}`, `b${n}`]).concat('late').sort());
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      expect(keys.filter((key) => key.startsWith('r0/2024/05/25/12/2024-05-25-12-00-'))).toHaveLength(2);
      // The delivered event says which of the two is the late one.
      expect(late).toEqual([{ key: expect.stringMatching(/^r0\/2024\/05\/25\/12\/2024-05-25-12-00-/), events: 1 }]);
      expect(keys.filter((key) => key.startsWith('r0/2024/05/25/12/2024-05-25-12-01-04'))).toHaveLength(1);
      expect(fleet.stats()).toMatchObject({ lateObjects: 1, lateEvents: 1, deliveredObjects: 7, deliveredEvents: 61 });
      // r0: ten events of each minute and the late one, in three objects.
      expect(r0()).toMatchObject({ deliveredEvents: 21, deliveredObjects: 3, lateEvents: 1, lateObjects: 1, pendingEvents: 0, lastError: undefined });
    } finally {
      await sluice.close();
    }
  });

  it('writes a route-window over maxEvents as several objects of at most maxEvents, every event once', async () => {
    const clock = new ManualClock('2024-05-25T12:00:10Z');
    const { sluice, fleet } = clockedFleetSluice({ s3Endpoint: s3.endpoint, redisUrl: server.url, shards: 2, clock, modules: [minuteBatcherModule({ maxEvents: 7 })] });
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
      expect(fleet.stats()).toMatchObject({ deliveredObjects: 5, deliveredEvents: 30 });
    } finally {
      await sluice.close();
    }
  });
});
