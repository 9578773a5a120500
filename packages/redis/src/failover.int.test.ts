import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, startRedis, startS3Server, type FaultProxy, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { drained, persistedIds, readBucket, startFleetProcess, statsOf, waitUntil, windowsWrittenTwice, type FleetProcess, type FleetProcessConfig } from '../test-support/fleet.js';

const SHARDS = 4;
const WINDOW_MS = 3_000;
const isPart = (method: string | undefined, url: string | undefined) => method === 'PUT' && /[?&]partNumber=/.test(url ?? '');

/** A flusher behind its own fault proxy, so the test knows whose upload a part belongs to. */
interface Flusher {
  readonly process: FleetProcess;
  readonly proxy: FaultProxy;
  partsInProgress: number;
  onPart: () => void;
}

describe('fleet mode when flushers die or stall', () => {
  let s3: TestS3Server;
  let server: TestRedis;
  let redis: Redis;
  const flushers: Flusher[] = [];
  const producers: FleetProcess[] = [];
  beforeEach(async () => {
    s3 = await startS3Server(['fleet']);
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    for (const p of [...producers.splice(0), ...flushers.map((f) => f.process)]) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const f of flushers.splice(0)) await f.proxy.close();
    redis.disconnect();
    await server.close();
    await s3.close();
  });

  const common = (): Omit<FleetProcessConfig, 'role' | 'endpoint'> => ({ url: server.url, shards: SHARDS, windowMs: WINDOW_MS, graceMs: 3_000, leaseMs: 2_000 });

  /** Starts a flusher whose part uploads (or, `anyPut`, all uploads) crawl at 2 MB/s, counting those under way. */
  async function startFlusher(anyPut = false): Promise<Flusher> {
    const proxy = await startFaultProxy(s3.endpoint);
    const flusher: Flusher = { process: startFleetProcess({ ...common(), role: 'flusher', endpoint: proxy.endpoint }), proxy, partsInProgress: 0, onPart: () => {} };
    proxy.setRule((req) => {
      if (!(anyPut ? req.method === 'PUT' : isPart(req.method, req.url))) return undefined;
      flusher.partsInProgress += 1;
      req.once('close', () => (flusher.partsInProgress -= 1));
      flusher.onPart();
      return { bodyBytesPerSecond: 2_000_000 };
    });
    flushers.push(flusher);
    await flusher.process.waitForLine((line) => line === 'ready');
    return flusher;
  }

  /** Resolves with the first live flusher that has a part upload under way. */
  function uploading(): Promise<Flusher> {
    return new Promise((resolve) => {
      const check = (): void => {
        const found = flushers.find((f) => f.partsInProgress > 0 && f.process.child.exitCode === null && f.process.child.signalCode === null);
        if (!found) return;
        for (const f of flushers) f.onPart = () => {};
        resolve(found);
      };
      for (const f of flushers) f.onPart = check;
      check();
    });
  }

  /**
   * Each event once, one object per route-window, and no multipart upload left open: the
   * upload folders of the test server are read, which also finds an upload no listing shows.
   * Once the streams are trimmed every owner has committed, and an owner commits only after
   * its upload returned, which is after its own abort or its post-Complete cleanup of the key.
   */
  async function expectExactlyOnce(persisted: string[]): Promise<void> {
    await waitUntil('the streams are delivered and trimmed', () => drained(redis, SHARDS));
    const contents = await readBucket(s3, 'fleet', WINDOW_MS);
    const { seen } = contents;
    expect(persisted.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect([...seen].filter(([, n]) => n !== 1)).toEqual([]);
    expect(windowsWrittenTwice(contents, flushers.map((f) => f.process))).toEqual([]);
    expect((await s3.client.send(new ListMultipartUploadsCommand({ Bucket: 'fleet' }))).Uploads ?? []).toEqual([]);
    expect(await s3.openUploads('fleet')).toEqual([]);
  }

  it('hands a killed flusher’s shards to another, three times mid-upload: each event once, one object per route-window, no multipart upload left open', async () => {
    for (let i = 0; i < 3; i += 1) await startFlusher();
    // ~30 MB of incompressible events on 2 routes: objects of several 5 MB parts.
    const producer = startFleetProcess({ ...common(), role: 'producer', endpoint: s3.endpoint, producer: { name: 'p', events: 10_000, routes: 2, pad: 3_000, random: true, perFlush: 500 } });
    producers.push(producer);
    for (let kill = 0; kill < 3; kill += 1) {
      const victim = await uploading();
      victim.process.child.kill('SIGKILL');
      await victim.process.exited;
      // A replacement keeps three in the fleet; the dead one's shards go to whoever they are assigned to next.
      await startFlusher();
    }
    const result = await producer.exited;
    expect(result.code, result.stderr).toBe(0);
    for (const f of flushers) f.proxy.setRule(undefined);
    await expectExactlyOnce(persistedIds(producer));
    expect(persistedIds(producer)).toHaveLength(10_000);
  });

  it('fences a flusher stopped past its lease: resumed, it commits nothing and writes no second object', async () => {
    const stalled = await startFlusher(true);
    const other = await startFlusher(true);
    const producer = startFleetProcess({ ...common(), role: 'producer', endpoint: s3.endpoint, producer: { name: 'p', events: 6_000, routes: 8, pad: 3_000, random: true, perFlush: 500 } });
    producers.push(producer);
        await waitUntil('the flusher to be stalled uploads', () => stalled.partsInProgress > 0);
    stalled.process.child.kill('SIGSTOP');
    // The other flusher holds every shard once the stalled one's leases have run out.
    await waitUntil('another flusher holds every lease', async () => {
      const holders = await Promise.all([...Array(SHARDS).keys()].map((shard) => redis.get(`{sluice:${shard}}:lease`)));
      return holders.every((h) => h !== null) && new Set(holders.map((h) => h?.split(' ')[0])).size === 1;
    });
    stalled.process.child.kill('SIGCONT');
    const result = await producer.exited;
    expect(result.code, result.stderr).toBe(0);
    stalled.proxy.setRule(undefined);
    other.proxy.setRule(undefined);
    await expectExactlyOnce(persistedIds(producer));
    expect((await statsOf(stalled.process)).leasesLost).toBeGreaterThanOrEqual(1);
  });

  it('delivers everything a killed producer reported persisted', async () => {
    await startFlusher();
    flushers[0]?.proxy.setRule(undefined);
    const killed = startFleetProcess({ ...common(), role: 'producer', endpoint: s3.endpoint, producer: { name: 'k', events: 1_000_000, routes: 5, perFlush: 200 } });
    producers.push(killed);
    await waitUntil('the producer reported 5,000 persisted events', () => persistedIds(killed).length >= 5_000);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const persisted = persistedIds(killed);
    await expectExactlyOnce(persisted);
  });
});
