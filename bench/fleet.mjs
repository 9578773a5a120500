// Fleet mode on Redis Streams: producer throughput into Redis, send() in fleet mode against
// memory mode, end to end with 1 and 2 flusher processes, and Redis memory per pending event.
//   node bench/fleet.mjs '{"endpoint":"http://127.0.0.1:PORT","events":N}'
// Starts its own redis-server (Debian) on a free loopback port per measurement. Prints one JSON line.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ContainerModule } from 'inversify';
import { BATCHER, createSluice, UPLOADER } from '@sluice/core';
import { fleetModule } from '@sluice/redis';
import { s3Module } from '@sluice/s3';
import { InMemoryUploader } from '@sluice/s3/testing';
import { adminClient, countLines, CREDENTIALS } from './bucket.mjs';
import { generateEvents } from './events.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const flusherScript = path.join(here, '../packages/redis/test-support/fleetProcess.mjs');
const { endpoint, events: N } = JSON.parse(process.argv[2]);
const SHARDS = 8;
const ROUTES = 20;
const events = generateEvents(N, 7);
const bytes = events.reduce((sum, e) => sum + JSON.stringify(e).length + 1, 0);

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

async function startRedis() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-bench-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): is it installed?`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url);
  return {
    url,
    client,
    async usedMemory() {
      return Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);
    },
    async backlogEntries() {
      let n = 0;
      for (let s = 0; s < SHARDS; s += 1) n += await client.xlen(`{sluice:${s}}:log`);
      return n;
    },
    async stop() {
      client.disconnect();
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Windows of 2 s, as the flusher processes use (the producer decides each record's window).
const WINDOW_MS = 2_000;
const windows = new ContainerModule(({ bind }) => {
  bind(BATCHER).toConstantValue({
    windowOf: (t) => ({ start: Math.floor(t / WINDOW_MS) * WINDOW_MS, end: Math.floor(t / WINDOW_MS) * WINDOW_MS + WINDOW_MS }),
    wouldOverflow: () => false,
  });
});

function producerSluice(url) {
  return createSluice({
    logLevel: 'silent',
    handleSignals: false,
    drainOnExit: false,
    modules: [windows, s3Module({ endpoint, forcePathStyle: true, credentials: CREDENTIALS }), fleetModule({ url, role: 'producer', shards: SHARDS })],
  });
}

/** Sends every event to ROUTES routes under `prefix`, awaiting ready() on backpressure; returns seconds until all are in Redis. */
async function produce(sluice, prefix) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += 1) {
    for (;;) {
      try {
        sluice.send.s3({ bucket: 'bench', prefix: `${prefix}r${i % ROUTES}`, payload: events[i] });
        break;
      } catch (error) {
        if (error.code !== 'SLUICE_BACKPRESSURE') throw error;
        await sluice.ready();
      }
    }
    if (i % 5_000 === 4_999) await new Promise(setImmediate);
  }
  await sluice.flush();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Mean ns per send() over slices of 1,000, after a warm-up round, yielding between slices (so
 * fleet mode's appends run, as they would in a server). A send refused for backpressure waits
 * for ready() outside the timing and is sent again.
 */
async function sendCost(sluice, prefix) {
  const count = Math.min(events.length, 100_000);
  let total = 0n;
  let timed = 0;
  for (let round = 0; round < 2; round += 1) {
    for (let slice = 0; slice < count; slice += 1_000) {
      let i = slice;
      while (i < Math.min(slice + 1_000, count)) {
        const start = process.hrtime.bigint();
        const from = i;
        try {
          for (; i < Math.min(slice + 1_000, count); i += 1) sluice.send.s3({ bucket: 'bench', prefix: `${prefix}r${i % ROUTES}`, payload: events[i] });
        } catch (error) {
          if (error.code !== 'SLUICE_BACKPRESSURE') throw error;
        }
        if (round === 1) {
          total += process.hrtime.bigint() - start;
          timed += i - from;
        }
        if (i < Math.min(slice + 1_000, count)) await sluice.ready();
      }
      await new Promise(setImmediate);
    }
  }
  return Number(total) / timed;
}

function startFlusher(url, windowMs) {
  const config = { url, endpoint, role: 'flusher', shards: SHARDS, windowMs, graceMs: 500, leaseMs: 2_000 };
  const child = spawn(process.execPath, ['--no-warnings', flusherScript, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise((resolve) => child.stdout.on('data', (d) => String(d).includes('ready') && resolve()));
  return { child, ready };
}

const result = { scenario: 'fleet', events: N, meanEventBytes: bytes / N, shards: SHARDS, routes: ROUTES };

// 1. One producer process into Redis, no flusher; then Redis memory per pending event.
{
  const redis = await startRedis();
  const before = await redis.usedMemory();
  const sluice = producerSluice(redis.url);
  const seconds = await produce(sluice, 'fleet-producer/');
  await sluice.close();
  result.producerEventsPerSec = N / seconds;
  result.producerMBPerSec = bytes / seconds / 1e6;
  result.redisBytesPerPendingEvent = ((await redis.usedMemory()) - before) / N;
  await redis.stop();
}

// 2. send() in fleet mode against memory mode.
{
  const redis = await startRedis();
  const fleet = producerSluice(redis.url);
  result.sendFleetNs = await sendCost(fleet, 'fleet-send/');
  await fleet.close();
  const uploader = new InMemoryUploader();
  const memory = createSluice({
    logLevel: 'silent',
    handleSignals: false,
    drainOnExit: false,
    modules: [new ContainerModule(({ bind }) => void bind(UPLOADER).toConstantValue(uploader)), s3Module({ endpoint, forcePathStyle: true, credentials: CREDENTIALS })],
  });
  result.sendMemoryNs = await sendCost(memory, 'memory-send/');
  await memory.close();
  result.sendFleetVsMemory = result.sendFleetNs / result.sendMemoryNs;
  await redis.stop();
}

// 3. End to end: the producer in this process, 1 or 2 flusher processes; until the streams are empty.
const client = adminClient(endpoint);
for (const flushers of [1, 2]) {
  const redis = await startRedis();
  const started = Array.from({ length: flushers }, () => startFlusher(redis.url, WINDOW_MS));
  await Promise.all(started.map((f) => f.ready));
  const prefix = `fleet-e2e-${flushers}/`;
  const start = process.hrtime.bigint();
  const sluice = producerSluice(redis.url);
  await produce(sluice, prefix);
  await sluice.close();
  while ((await redis.backlogEntries()) > 0) await pause(50);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const f of started) {
    const exited = once(f.child, 'exit');
    f.child.kill('SIGTERM');
    await exited;
  }
  const landed = await countLines(client, prefix);
  result[`endToEnd${flushers}EventsPerSec`] = N / seconds;
  result[`endToEnd${flushers}Delivered`] = landed.lines;
  result[`endToEnd${flushers}Objects`] = landed.objects;
  await redis.stop();
}
client.destroy();
result.sent = N;
result.delivered = Math.min(result.endToEnd1Delivered, result.endToEnd2Delivered);
console.log(JSON.stringify(result));
process.exit(0);
