import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSluice, type SluiceError } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { freePort, startFaultProxy, startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { persistedIds, readBucket, startFleetProcess, waitUntil, windowsWrittenTwice, type FleetProcess } from '../test-support/fleet.js';
import { fleetModule } from './di/fleetModule.js';

const SHARDS = 4;
const WINDOW_MS = 2_000;

async function backlog(redis: Redis): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  for (let shard = 0; shard < SHARDS; shard += 1) {
    entries += await redis.xlen(`{sluice:${shard}}:log`);
    bytes += Number((await redis.get(`{sluice:${shard}}:bytes`)) ?? 0);
  }
  return { entries, bytes };
}

describe('fleet mode when Redis or S3 go away', () => {
  let s3: TestS3Server;
  let server: TestRedis;
  let redis: Redis;
  const processes: FleetProcess[] = [];
  beforeEach(async () => {
    s3 = await startS3Server(['fleet']);
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    redis?.disconnect();
    await server?.close();
    await s3.close();
  });

  /** `onePerWindow: false` where records held back by an outage may come after their window was sealed: a late object, by design. */
  async function expectExactlyOnce(persisted: string[], onePerWindow = true): Promise<void> {
    await waitUntil('the streams are delivered and trimmed', async () => (await backlog(redis)).entries === 0);
    const contents = await readBucket(s3, 'fleet', WINDOW_MS);
    const { seen } = contents;
    expect(persisted.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect([...seen].filter(([, n]) => n !== 1)).toEqual([]);
    if (onePerWindow) expect(windowsWrittenTwice(contents, processes)).toEqual([]);
    expect((await backlog(redis)).bytes).toBe(0);
  }

  it('loses nothing persisted when Redis (AOF, appendfsync always) is killed and restarted; producers meet backpressure meanwhile and carry on', async () => {
    server = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    redis.on('error', () => {});
    const common = { url: server.url, endpoint: s3.endpoint, shards: SHARDS, windowMs: WINDOW_MS, graceMs: 3_000, leaseMs: 2_000 };
    const flusher = startFleetProcess({ ...common, role: 'flusher' });
    processes.push(flusher);
    await flusher.waitForLine((line) => line === 'ready');
    // It awaits flush() only at the end, so it runs into backpressure while Redis is away.
    const producer = startFleetProcess({ ...common, role: 'producer', maxBufferedBytes: 1_048_576, producer: { name: 'p', events: 60_000, routes: 5, perFlush: 60_000, pauseEvery: 100 } });
    processes.push(producer);
    await waitUntil('the producer appended to Redis', async () => (await backlog(redis)).entries > 100);
    await server.stop('SIGKILL');
    await producer.waitForLine((line) => line === 'backpressure');
    await server.restart();
    const result = await producer.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(persistedIds(producer)).toHaveLength(60_000);
    await expectExactlyOnce(persistedIds(producer), false);
  });

  it('keeps the backlog in Redis under maxBacklogBytes while S3 is down, and delivers everything once it is back', async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    redis.on('error', () => {});
    const proxy = await startFaultProxy(s3.endpoint);
    try {
      proxy.setRule(() => 503);
      const maxBacklogBytes = 2_000_000;
      const common = { url: server.url, endpoint: proxy.endpoint, shards: SHARDS, windowMs: WINDOW_MS, graceMs: 3_000, leaseMs: 2_000, maxBacklogBytes };
      const flusher = startFleetProcess({ ...common, role: 'flusher' });
      processes.push(flusher);
      await flusher.waitForLine((line) => line === 'ready');
      const producer = startFleetProcess({ ...common, role: 'producer', producer: { name: 'p', events: 20_000, routes: 5, perFlush: 200 } });
      processes.push(producer);
      await producer.waitForLine((line) => line === 'backpressure');
      const held = await backlog(redis);
      expect(held.bytes).toBeGreaterThan(maxBacklogBytes / 2);
      expect(held.bytes).toBeLessThanOrEqual(maxBacklogBytes);
      proxy.setRule(undefined);
      const result = await producer.exited;
      expect(result.code, result.stderr).toBe(0);
      expect(persistedIds(producer)).toHaveLength(20_000);
      await expectExactlyOnce(persistedIds(producer));
    } finally {
      await proxy.close();
    }
  });

  it('says which Redis it cannot reach at start, without its password, and keeps what was accepted', async () => {
    const port = await freePort();
    const sluice = createSluice({
      logLevel: 'silent',
      handleSignals: false,
      drainOnExit: false,
      modules: [s3Module({ endpoint: s3.endpoint, forcePathStyle: true }), fleetModule({ url: `redis://app:hunter2@127.0.0.1:${port}`, role: 'producer' })],
    });
    const receipt = sluice.send.s3({ bucket: 'fleet', prefix: 'r', payload: { n: 1 } });
    const failure = (await sluice.flush().catch((error: unknown) => error)) as SluiceError;
    expect(failure.code).toBe('SLUICE_REDIS_UNREACHABLE');
    expect(failure.message).toContain(`127.0.0.1:${port}`);
    expect(failure.message).not.toContain('hunter2');
    await expect(receipt.persisted).rejects.toMatchObject({ code: 'SLUICE_REDIS_UNREACHABLE' });
    expect(() => sluice.send.s3({ bucket: 'fleet', prefix: 'r', payload: { n: 2 } })).toThrow(/SLUICE_REDIS_UNREACHABLE|could not reach Redis/);
    expect(sluice.pendingBytes).toBeGreaterThan(0);
    await sluice.close({ timeoutMs: 1_000 }).catch(() => {});
  });
});
