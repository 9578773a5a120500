import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { drained, readBucket, startFleetProcess, waitUntil, windowsWrittenTwice, type FleetProcess } from '../test-support/fleet.js';

const SHARDS = 8;
const WINDOW_MS = 2_000;
const ROUTES = 20;
const PRODUCERS = 4;
const FLUSHERS = 3;
const EVENTS_PER_PRODUCER = Number(process.env.SLUICE_FLEET_TEST_EVENTS ?? 50_000);

describe('fleet mode', () => {
  let s3: TestS3Server;
  let server: TestRedis;
  let redis: Redis;
  const processes: FleetProcess[] = [];
  beforeEach(async () => {
    s3 = await startS3Server(['fleet']);
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    redis.disconnect();
    await server.close();
    await s3.close();
  });

  it('writes each route-window once fleet-wide, with every persisted event exactly once, from several producers and flushers', async () => {
    const common = { url: server.url, endpoint: s3.endpoint, shards: SHARDS, windowMs: WINDOW_MS, graceMs: 3_000 };
    const flushers = Array.from({ length: FLUSHERS }, () => startFleetProcess({ ...common, role: 'flusher' }));
    processes.push(...flushers);
    await Promise.all(flushers.map((f) => f.waitForLine((line) => line === 'ready')));
    const producers = Array.from({ length: PRODUCERS }, (_, index) =>
      startFleetProcess({ ...common, role: 'producer', producer: { name: `p${index}`, events: EVENTS_PER_PRODUCER, routes: ROUTES } }),
    );
    processes.push(...producers);
    const results = await Promise.all(producers.map((p) => p.exited));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const persisted = producers.flatMap((p) => p.lines.filter((line) => line !== 'done' && line !== 'backpressure'));
    expect(persisted).toHaveLength(PRODUCERS * EVENTS_PER_PRODUCER);

    await waitUntil('the streams are delivered and trimmed', () => drained(redis, SHARDS));
    const contents = await readBucket(s3, 'fleet', WINDOW_MS);
    const { seen, objectsPerWindow } = contents;
    expect(persisted.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect(seen.size).toBe(persisted.length);
    expect(windowsWrittenTwice(contents, flushers)).toEqual([]);
    // Several windows and every route took part.
    expect(new Set([...objectsPerWindow.keys()].map((slot) => slot.split('@')[0])).size).toBe(ROUTES);
    expect(objectsPerWindow.size).toBeGreaterThan(ROUTES);
    expect(await s3.openUploads('fleet')).toEqual([]);
    expect(Number(await redis.get('{sluice:0}:bytes'))).toBe(0);
  });
});
