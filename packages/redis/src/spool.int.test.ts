import fs from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { batchIdentifier, createSluice, JsonLogger, SystemClock } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { FileSpool, fileSpoolModule, parseFileSpoolOptions } from '@sluice/spool-file';
import { temporarySpoolDirectory } from '@sluice/spool-file/testing';
import { fleetModule, shardOf } from './index.js';
import { drained, persistedIds, readBucket, startFleetProcess, waitUntil, type FleetProcess, type FleetProcessConfig } from '../test-support/fleet.js';

const SHARDS = 4;
const WINDOW_MS = 3_000;

/** Events in the shards' streams: the sum of the chunks' counts. */
async function eventsInRedis(redis: Redis): Promise<number> {
  let events = 0;
  for (let shard = 0; shard < SHARDS; shard += 1) {
    for (const [, fields] of await redis.xrange(`{sluice:${shard}}:log`, '-', '+')) {
      const at = fields.findIndex((field, index) => index % 2 === 0 && field === 'n');
      if (at >= 0) events += Number(fields[at + 1]);
    }
  }
  return events;
}

describe('fleet mode with a file spool in front of Redis', () => {
  let s3: TestS3Server;
  let server: TestRedis;
  let redis: Redis;
  let spool: { directory: string; remove: () => void };
  const processes: FleetProcess[] = [];
  beforeEach(async () => {
    s3 = await startS3Server(['fleet']);
    server = await startRedis();
    redis = new Redis(server.url);
    spool = temporarySpoolDirectory();
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    redis.disconnect();
    await server.close();
    await s3.close();
    spool.remove();
  });

  const common = (): Omit<FleetProcessConfig, 'role'> => ({ url: server.url, endpoint: s3.endpoint, shards: SHARDS, windowMs: WINDOW_MS, graceMs: 1_000, leaseMs: 2_000 });
  /** A producer on the spool that appends only on flush(), close() or past 64 MiB, so the kill finds records that are only in the spool. */
  const producer = (events: number, spooled: number): FleetProcess => {
    const p = startFleetProcess({
      ...common(),
      role: 'producer',
      spool: spool.directory,
      appendIntervalMs: 600_000,
      appendChunkBytes: 64 * 1024 * 1024,
      producer: { name: 'p', events, routes: 4, perFlush: 250, spooled },
    });
    processes.push(p);
    return p;
  };
  const spooledFiles = (): string[] => fs.readdirSync(`${spool.directory}/batches`).filter((name) => name.endsWith('.ndjson'));

  it('delivers each event once that a producer killed with -9 held only in its spool, after it restarts; and once still if the restart dies before clearing the spool', async () => {
    const killed = producer(500, 500);
    await killed.waitForLine((line) => line === 'spooled');
    killed.child.kill('SIGKILL');
    await killed.exited;
    const persisted = persistedIds(killed);
    expect(persisted).toHaveLength(1_000);
    // The first 500 were flushed to Redis; the other 500 are only in the spool.
    expect(await eventsInRedis(redis)).toBe(500);
    expect(spooledFiles().length).toBeGreaterThan(0);
    const left = fs.mkdtempSync(`${spool.directory}-left-`);
    fs.cpSync(spool.directory, left, { recursive: true });

    const restarted = producer(0, 0);
    await restarted.waitForLine((line) => line === 'done');
    expect(await eventsInRedis(redis)).toBe(1_000);
    expect(spooledFiles()).toEqual([]);

    // As if the restart had been killed after Redis answered and before it removed the files:
    // the same chunks again, under the same ids, add nothing.
    fs.rmSync(spool.directory, { recursive: true, force: true });
    fs.cpSync(left, spool.directory, { recursive: true });
    fs.rmSync(left, { recursive: true, force: true });
    const again = producer(0, 0);
    await again.waitForLine((line) => line === 'done');
    expect(await eventsInRedis(redis)).toBe(1_000);
    expect(spooledFiles()).toEqual([]);

    const flusher = startFleetProcess({ ...common(), role: 'flusher' });
    processes.push(flusher);
    await waitUntil('the streams are delivered and trimmed', () => drained(redis, SHARDS));
    const { seen } = await readBucket(s3, 'fleet', WINDOW_MS);
    expect(persisted.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect([...seen].filter(([, n]) => n !== 1)).toEqual([]);
    expect(seen.size).toBe(1_000);
  });
});

describe('fleet mode taking over a spool single-process mode left', () => {
  let server: TestRedis;
  let redis: Redis;
  let spool: { directory: string; remove: () => void };
  beforeEach(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    spool = temporarySpoolDirectory();
  });
  afterEach(async () => {
    redis.disconnect();
    await server.close();
    spool.remove();
  });

  /** A producer on the spool that starts, appends what the spool holds, and closes. */
  async function startAndClose(): Promise<void> {
    const sluice = createSluice({
      logLevel: 'silent',
      handleSignals: false,
      drainOnExit: false,
      modules: [fileSpoolModule({ directory: spool.directory }), s3Module({ endpoint: 'http://127.0.0.1:9', forcePathStyle: true }), fleetModule({ url: server.url, role: 'producer', shards: SHARDS })],
    });
    await sluice.close();
  }

  it('appends a batch of 3 MiB in pieces cut after a record, each once even when the spool is appended again', async () => {
    const logger = new JsonLogger('silent');
    const files = new FileSpool(parseFileSpoolOptions({ directory: spool.directory }), new SystemClock(), logger);
    const identity = { routeId: 's3://fleet/r0/', windowStart: 0, sequence: 0, producerId: 'alone', incarnation: 'a'.repeat(32) };
    const batch = files.open({ destination: 's3', routeId: identity.routeId, target: { bucket: 'fleet', prefix: 'r0' }, identity, identifier: batchIdentifier(identity), window: { start: 0, end: 60_000 }, openedAt: 0 });
    const records = Array.from({ length: 7_000 }, (_, i) => `${JSON.stringify({ id: `a-${i}`, padding: 'y'.repeat(400 + (i % 50)) })}\n`);
    batch.appendMany(records);
    files.close();
    const left = fs.mkdtempSync(`${spool.directory}-left-`);
    fs.cpSync(spool.directory, left, { recursive: true });

    await startAndClose();
    expect(await eventsInRedis(redis)).toBe(7_000);
    const entries = await redis.xrange(`{sluice:${shardOf('s3', identity.routeId, SHARDS)}}:log`, '-', '+');
    expect(entries.length).toBeGreaterThan(2);
    const bodies = entries.map(([, fields]) => fields[fields.indexOf('b') + 1] as string);
    expect(bodies.every((body) => body.endsWith('\n'))).toBe(true);
    expect(bodies.join('')).toBe(records.join(''));
    expect(fs.readdirSync(`${spool.directory}/batches`)).toEqual([]);

    fs.rmSync(spool.directory, { recursive: true, force: true });
    fs.cpSync(left, spool.directory, { recursive: true });
    fs.rmSync(left, { recursive: true, force: true });
    await startAndClose();
    expect(await eventsInRedis(redis)).toBe(7_000);
  });
});
