// Scenarios of minutes at library defaults, one per process, printing one JSON line:
//   node bench/minutes.mjs heavy '{"endpoint":"…","megabytes":1024,"spool":"memory"|"file"}'
//     one destination-minute of `megabytes` of raw events, each a fresh object: peak RSS added,
//     throughput, one object, every line read back.
//   node bench/minutes.mjs heavy-floor '{"endpoint":"…","megabytes":1024,"spool":"memory"|"file"}'
//     the same producer loop into the floor (floor.mjs): the same durable work by a minimal
//     hand-written pipeline, the same figures.
//   node bench/minutes.mjs producer '{"megabytes":1024}'
//     the heavy minute's producer loop alone, without Sluice: the RSS its garbage adds, its
//     own longest turn and the event-loop delay around it.
//   node bench/minutes.mjs many '{"endpoint":"…","destinations":10000}'
//     that many open destinations in one minute: RSS added while open, objects/s at the flush,
//     next to the server's own PutObject rate for objects of the same size, measured alone
//     (with the event-loop delay of that baseline beside the flush's).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ContainerModule } from 'inversify';
import { BackpressureError, CLOCK, createSluice } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { s3Module } from '@sluice/s3';
import { fileSpoolModule } from '@sluice/spool-file';
import { adminClient, countLines, CREDENTIALS } from './bucket.mjs';
import { processCpuSeconds, threadCpu } from './cpu.mjs';
import { generateEvents } from './events.mjs';
import { floorPipeline } from './floor.mjs';
import { turnRecorder } from './turns.mjs';

const [name, rawOptions = '{}'] = process.argv.slice(2);
const options = JSON.parse(rawOptions);
const MIB = 1024 * 1024;
const yieldLoop = () => new Promise((resolve) => setImmediate(resolve));
// Events a producer sends per event-loop turn, as in scenarios.mjs: a service sends a few per request.
const TURN = 100;

/** Samples RSS every 10 ms; returns the peak above the RSS at the start. */
function rssSampler() {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    return { baselineMb: baseline / MIB, rssAddedMb: (peak - baseline) / MIB };
  };
}

function s3Options(endpoint) {
  return { endpoint, forcePathStyle: true, credentials: { ...CREDENTIALS } };
}

/**
 * What `heavy` and `heavy-floor` measure around their producer loops, started together: CPU
 * (process and by thread), the event loop's delay, RSS, and the lines that landed under
 * `prefix`. `finish()` once the object is stored returns those fields.
 */
function heavyMeasures() {
  const stop = rssSampler();
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const threads = threadCpu();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  return {
    elapsedSeconds: () => Number(process.hrtime.bigint() - start) / 1e9,
    async finish({ endpoint, prefix, directory }) {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpu = process.cpuUsage(cpuStart);
      loop.disable();
      const byThread = threads();
      const memory = stop();
      const client = adminClient(endpoint);
      const landed = await countLines(client, `${prefix}/`);
      client.destroy();
      if (directory) await rm(directory, { recursive: true, force: true });
      return {
        delivered: landed.lines, objects: landed.objects, seconds, processCpuSeconds: (cpu.user + cpu.system) / 1e6, ...byThread,
        loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6, ...memory,
      };
    },
  };
}

const scenarios = {
  async heavy({ endpoint, megabytes = 1024, spool = 'memory', prefix = `heavy-${spool}`, turns = false }) {
    const pool = generateEvents(20_000, 20_240_601);
    const clock = new ManualClock(Date.parse('2024-06-01T00:00:10Z'));
    const directory = spool === 'file' ? await mkdtemp(path.join(tmpdir(), 'sluice-bench-heavy-')) : undefined;
    const modules = [new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)), s3Module(s3Options(endpoint))];
    if (directory) modules.unshift(fileSpoolModule({ directory, fsync: 'never' }));
    const sluice = createSluice({ drainOnExit: false, modules });
    const measures = heavyMeasures();
    let bytes = 0;
    let sent = 0;
    let waits = 0;
    const target = megabytes * MIB;
    // As in scenarios.mjs: the producer's own longest turn, part of any loop maximum around it.
    let producerTurnMaxMs = 0;
    const recorder = turns ? turnRecorder() : undefined;
    while (bytes < target) {
      let turnStart = process.hrtime.bigint();
      recorder?.start();
      for (let i = 0; i < TURN; i += 1) {
        // A fresh object per send, as a service builds one per request.
        const payload = { ...pool[sent % pool.length], seq: sent };
        try {
          sluice.send.s3({ bucket: 'bench', prefix, payload });
        } catch (error) {
          if (!(error instanceof BackpressureError)) throw error;
          waits += 1;
          producerTurnMaxMs = Math.max(producerTurnMaxMs, Number(process.hrtime.bigint() - turnStart) / 1e6);
          recorder?.end();
          await sluice.ready();
          turnStart = process.hrtime.bigint();
          recorder?.start();
          i -= 1;
          continue;
        }
        sent += 1;
        bytes += JSON.stringify(payload).length + 1;
      }
      producerTurnMaxMs = Math.max(producerTurnMaxMs, Number(process.hrtime.bigint() - turnStart) / 1e6);
      recorder?.end();
      await yieldLoop();
    }
    const sendingSeconds = measures.elapsedSeconds();
    await clock.advance(60_000);
    await sluice.close();
    const measured = await measures.finish({ endpoint, prefix, directory });
    return {
      spool, megabytes, sent, ...measured, eventsPerSec: sent / measured.seconds, sendingSeconds,
      producerTurnMaxMs, backpressureWaits: waits, ...(recorder ? { producerTurns: recorder.report() } : {}),
    };
  },

  /**
   * The heavy minute's producer loop, unchanged, feeding the floor (floor.mjs) instead of
   * Sluice: each event's line made by JSON.stringify (what send() does), written to a file in
   * the call with the file spool, gzipped at level 6 and uploaded as one object. The producer
   * waits where gzip is full, as it waits on BackpressureError with Sluice. `fileWrites`
   * 'turn' writes a turn's lines with one write(2) (see floor.mjs).
   */
  async 'heavy-floor'({ endpoint, megabytes = 1024, spool = 'memory', prefix = `heavy-floor-${spool}`, fileWrites = 'send', turns = false }) {
    const pool = generateEvents(20_000, 20_240_601);
    const directory = spool === 'file' ? await mkdtemp(path.join(tmpdir(), 'sluice-bench-floor-')) : undefined;
    const pipe = floorPipeline({ endpoint, key: `${prefix}/minute.ndjson.gz`, directory, fileWrites });
    await pipe.warm();
    const measures = heavyMeasures();
    let bytes = 0;
    let sent = 0;
    let waits = 0;
    const target = megabytes * MIB;
    let producerTurnMaxMs = 0;
    const recorder = turns ? turnRecorder() : undefined;
    while (bytes < target) {
      const turnStart = process.hrtime.bigint();
      recorder?.start();
      for (let i = 0; i < TURN; i += 1) {
        const payload = { ...pool[sent % pool.length], seq: sent };
        pipe.append(`${JSON.stringify(payload)}\n`);
        sent += 1;
        // The loop's own count of bytes, as in `heavy`.
        bytes += JSON.stringify(payload).length + 1;
      }
      const full = pipe.endTurn();
      producerTurnMaxMs = Math.max(producerTurnMaxMs, Number(process.hrtime.bigint() - turnStart) / 1e6);
      recorder?.end();
      if (full) {
        waits += 1;
        await full;
      }
      await yieldLoop();
    }
    const sendingSeconds = measures.elapsedSeconds();
    await pipe.end();
    const measured = await measures.finish({ endpoint, prefix, directory });
    return {
      spool, fileWrites: directory ? fileWrites : undefined, megabytes, sent, ...measured, eventsPerSec: sent / measured.seconds, sendingSeconds,
      producerTurnMaxMs, backpressureWaits: waits, ...(recorder ? { producerTurns: recorder.report() } : {}),
    };
  },

  /**
   * The heavy minute's producer loop with no Sluice at all: the same fresh objects, and the
   * same JSON text made of each (send() makes one, the loop counts bytes with another). The
   * RSS it adds is garbage the producer leaves for V8 to collect, part of any RSS measured
   * around it.
   */
  async producer({ megabytes = 1024 }) {
    const pool = generateEvents(20_000, 20_240_601);
    const stop = rssSampler();
    let bytes = 0;
    let sent = 0;
    let kept = 0;
    const target = megabytes * MIB;
    const threads = threadCpu();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    // The loop's own longest turn and the loop delay around it, with nothing else running:
    // what the producer alone puts into the maxima measured with Sluice or the floor.
    let producerTurnMaxMs = 0;
    const start = process.hrtime.bigint();
    while (bytes < target) {
      const turnStart = process.hrtime.bigint();
      for (let i = 0; i < TURN; i += 1) {
        const payload = { ...pool[sent % pool.length], seq: sent };
        kept ^= JSON.stringify(payload).length;
        sent += 1;
        bytes += JSON.stringify(payload).length + 1;
      }
      producerTurnMaxMs = Math.max(producerTurnMaxMs, Number(process.hrtime.bigint() - turnStart) / 1e6);
      await yieldLoop();
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    loop.disable();
    return { megabytes, sent, seconds, checksum: kept, ...threads(), loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6, producerTurnMaxMs, ...stop() };
  },

  async many({ endpoint, destinations = 10_000, eventsEach = 3, serverPid }) {
    const pool = generateEvents(1_000, 20_240_601);
    const clock = new ManualClock(Date.parse('2024-06-01T00:00:10Z'));
    const sluice = createSluice({ drainOnExit: false, modules: [new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)), s3Module(s3Options(endpoint))] });
    const stop = rssSampler();
    let sent = 0;
    for (let d = 0; d < destinations; d += 1) {
      for (let e = 0; e < eventsEach; e += 1) sluice.send.s3({ bucket: 'bench', prefix: `many/d${d}`, payload: { ...pool[sent % pool.length], seq: sent++ } });
      if (sent % TURN < eventsEach) await yieldLoop();
    }
    const open = stop();
    const threads = threadCpu();
    const serverAt = serverPid ? processCpuSeconds(serverPid) : undefined;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const start = process.hrtime.bigint();
    await clock.advance(60_000);
    await sluice.flush();
    const flushSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    loop.disable();
    const flushCpu = threads();
    if (serverAt !== undefined) flushCpu.serverFlushCpuSeconds = processCpuSeconds(serverPid) - serverAt;
    await sluice.close();
    // The server alone: PutObject of objects of the same size, as many at once as it takes.
    const client = adminClient(endpoint);
    const body = Buffer.alloc(300, 1);
    // Its event-loop delay too: the SDK's own work for 16 small PutObjects at once (request
    // building, signing, parsing answers), which any shipper's flush of small objects pays.
    // One request first, outside the measurement: the SDK's first-use costs (client set-up,
    // middleware resolution, the first XML parse) fall in Sluice's start, not in its flush.
    await client.send(new PutObjectCommand({ Bucket: 'bench', Key: 'many-baseline/warm-up', Body: body }));
    const baselineLoop = monitorEventLoopDelay({ resolution: 1 });
    baselineLoop.enable();
    const putStart = process.hrtime.bigint();
    let next = 0;
    const worker = async () => {
      while (next < destinations) {
        const n = next++;
        await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `many-baseline/${n}`, Body: body }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const putSeconds = Number(process.hrtime.bigint() - putStart) / 1e9;
    baselineLoop.disable();
    const landed = await countLines(client, 'many/');
    client.destroy();
    return {
      destinations, sent, delivered: landed.lines, objects: landed.objects, rssAddedWhileOpenMb: open.rssAddedMb,
      flushSeconds, ...flushCpu, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6,
      objectsPerSec: destinations / flushSeconds, serverPutsPerSec: destinations / putSeconds,
      serverPutsLoopMaxMs: baselineLoop.max / 1e6, serverPutsLoopP99Ms: baselineLoop.percentile(99) / 1e6, ratioToServer: destinations / flushSeconds / (destinations / putSeconds),
    };
  },
};

const run = scenarios[name];
if (!run) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ scenario: name, ...(await run(options)) })}\n`);
process.exit(0);
