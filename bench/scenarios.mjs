// One measured scenario per process: `node bench/scenarios.mjs <name> '<json options>'`
// prints one JSON line. A process each keeps peak RSS and event-loop delay one contender's.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Upload } from '@aws-sdk/lib-storage';
import { ContainerModule } from 'inversify';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { BackpressureError, CLOCK, UPLOADER, createSluice } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { s3Module } from '@sluice/s3';
import { InMemoryUploader } from '@sluice/s3/testing';
import { adminClient, countLines, CREDENTIALS } from './bucket.mjs';
import { threadCpu } from './cpu.mjs';
import { DISTINCT_EVENTS, generateEvents } from './events.mjs';
import { floorPipeline } from './floor.mjs';
import { gapRecorder, turnRecorder } from './turns.mjs';

const require = createRequire(import.meta.url);
const [name, rawOptions = '{}'] = process.argv.slice(2);
const options = JSON.parse(rawOptions);
const SEED = 20_240_601;
const SEND_ROUNDS = 4;
// send() is timed in batches of this many calls (the `send` scenario).
const SLICE = 1_000;
// Events a producer sends per event-loop turn: a service calls send() from request handlers,
// a few calls per turn; 100 is generous for that, and keeps the producer's own turn (its
// send() calls and any GC pause in them) from standing for Sluice's in a loop maximum.
const TURN = 100;

const nowNs = () => process.hrtime.bigint();
const seconds = (from) => Number(nowNs() - from) / 1e9;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/**
 * The i-th event a producer sends: a new object each time, as a service builds one per
 * request, made from the seeded pool (its nested values shared) with the sequence number added.
 */
const freshEvent = (pool, i) => ({ ...pool[i % pool.length], seq: i });
const eventPool = (count) => generateEvents(Math.min(count, DISTINCT_EVENTS), SEED);
/** Bytes of NDJSON of the first `count` fresh events: the pool's lines plus each `,"seq":i`. */
function freshBytes(pool, count) {
  const sizes = pool.map((e) => Buffer.byteLength(JSON.stringify(e)) + 1);
  let bytes = 0;
  for (let i = 0; i < count; i += 1) bytes += sizes[i % sizes.length] + 7 + String(i).length;
  return bytes;
}
const yieldLoop = () => new Promise((resolve) => setImmediate(resolve));

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Watches a contender's run: event-loop delay, and RSS sampled every 10 ms. The baseline is
 * the RSS when the run starts, after the benchmark has generated its events (the same in
 * every process), so `rssAboveBaselineMb` is what the contender itself added.
 */
function loopMonitor() {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const baseline = process.memoryUsage.rss();
  const cpu = threadCpu();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  return () => {
    histogram.disable();
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    return {
      loopMaxMs: histogram.max / 1e6,
      loopP99Ms: histogram.percentile(99) / 1e6,
      baselineRssMb: baseline / 1048576,
      rssAboveBaselineMb: (peak - baseline) / 1048576,
      ...cpu(),
    };
  };
}

function s3Options(endpoint, level, compressionConcurrency) {
  return { endpoint, forcePathStyle: true, credentials: { ...CREDENTIALS }, compressionLevel: level ?? 6, ...(compressionConcurrency === undefined ? {} : { compressionConcurrency }) };
}

/**
 * Sends `count` fresh events through `send`, TURN at a time with a turn of the event loop
 * between slices, until `giveUp()` says so. Returns how many were sent.
 */
async function feed(pool, count, send, giveUp = () => false) {
  for (let i = 0; i < count; i += TURN) {
    if (giveUp()) return i;
    const end = Math.min(count, i + TURN);
    for (let j = i; j < end; j += 1) send(freshEvent(pool, j));
    await yieldLoop();
  }
  return count;
}

/**
 * Sluice's producer: as feed(), and when told to wait (BackpressureError) it awaits ready()
 * and sends the event again, as the docs ask of a producer. Returns how often it waited.
 */
async function feedSluice(pool, count, sluice, prefix, recorder) {
  let waits = 0;
  // The longest stretch the producer's loop held the event loop (making events, the send()
  // calls, and any GC pause that fell in it): part of any event-loop maximum measured around
  // it, and sized by the caller, who chooses how many sends one turn makes.
  let producerTurnMaxMs = 0;
  for (let i = 0; i < count; i += TURN) {
    const end = Math.min(count, i + TURN);
    let turnStart = nowNs();
    recorder?.start();
    for (let j = i; j < end; j += 1) {
      try {
        sluice.send.s3({ bucket: 'bench', prefix, payload: freshEvent(pool, j) });
      } catch (error) {
        if (!(error instanceof BackpressureError)) throw error;
        waits += 1;
        producerTurnMaxMs = Math.max(producerTurnMaxMs, Number(nowNs() - turnStart) / 1e6);
        recorder?.end();
        await sluice.ready();
        turnStart = nowNs();
        recorder?.start();
        j -= 1;
      }
    }
    producerTurnMaxMs = Math.max(producerTurnMaxMs, Number(nowNs() - turnStart) / 1e6);
    recorder?.end();
    await yieldLoop();
  }
  return { waits, producerTurnMaxMs };
}

const scenarios = {
  /** Plain Node on the same events: the single-core ceiling of stringify + gzip. */
  async ceiling({ events: count, level = 6 }) {
    const events = generateEvents(count, SEED);
    // The cheapest stringify: nothing kept, so no collector's work is counted. The first pass
    // warms the JIT up, as the other scenarios' long runs do.
    let sink = 0;
    for (const e of events) sink += JSON.stringify(e).length;
    let start = nowNs();
    for (const e of events) sink += JSON.stringify(e).length;
    const stringifyUs = (seconds(start) * 1e6) / count;
    const lines = events.map((e) => JSON.stringify(e));
    const body = Buffer.from(lines.join('\n') + '\n');
    const chunks = [];
    for (let i = 0; i < body.length; i += 64 * 1024) chunks.push(body.subarray(i, i + 64 * 1024));
    start = nowNs();
    let compressed = 0;
    await pipeline(Readable.from(chunks), createGzip({ level }), new Writable({ write: (c, _e, cb) => ((compressed += c.length), cb()) }));
    const gzipUs = (seconds(start) * 1e6) / count;
    start = nowNs();
    const hash = createHash('sha256');
    for (const chunk of chunks) hash.update(chunk);
    hash.digest('hex');
    const sha256Us = (seconds(start) * 1e6) / count;
    return { level, stringifyUs, gzipUs, sha256Us, ceilingEventsPerSec: 1e6 / (stringifyUs + gzipUs), ratio: body.length / compressed, sink: sink > 0 };
  },

  /** send() against JSON.stringify of the same payloads, in batches of 1,000 calls. */
  async send({ events: count }) {
    const events = generateEvents(count, SEED);
    const clock = new ManualClock(Date.parse('2024-06-01T00:00:00Z'));
    const uploader = new InMemoryUploader();
    const sluice = createSluice({
      drainOnExit: false,
      modules: [new ContainerModule(({ bind }) => { bind(CLOCK).toConstantValue(clock); bind(UPLOADER).toConstantValue(uploader); }), s3Module()],
    });
    const stringifyNs = [];
    const sendNs = [];
    let sink = 0;
    const stringifySlice = (slice) => {
      const start = nowNs();
      for (const e of slice) sink += JSON.stringify(e).length;
      return Number(nowNs() - start) / slice.length;
    };
    const sendSlice = (slice) => {
      const start = nowNs();
      for (const e of slice) sluice.send.s3({ bucket: 'bench', prefix: 'send', payload: e });
      return Number(nowNs() - start) / slice.length;
    };
    // The first round warms the JIT up. Which loop runs first alternates, so neither always
    // meets the other's garbage.
    for (let round = 0; round < SEND_ROUNDS; round += 1) {
      for (let i = 0; i < count; i += SLICE) {
        const slice = events.slice(i, i + SLICE);
        let s;
        let d;
        if ((i / SLICE) % 2 === 0) {
          s = stringifySlice(slice);
          d = sendSlice(slice);
        } else {
          d = sendSlice(slice);
          s = stringifySlice(slice);
        }
        if (round > 0) { stringifyNs.push(s); sendNs.push(d); }
      }
      await sluice.flush();
    }
    await sluice.close();
    const mean = (list) => list.reduce((a, b) => a + b, 0) / list.length;
    const lines = uploader.keys('bench').reduce((n, key) => n + uploader.lines('bench', key).length, 0);
    return {
      stringifyMeanNs: mean(stringifyNs), stringifyP99Ns: percentile(stringifyNs, 99),
      sendMeanNs: mean(sendNs), sendP99Ns: percentile(sendNs, 99),
      ratioMean: mean(sendNs) / mean(stringifyNs), ratioP99: percentile(sendNs, 99) / percentile(stringifyNs, 99),
      delivered: lines, sent: SEND_ROUNDS * count, sink: sink > 0,
    };
  },

  /** Sluice end to end into the in-memory uploader (its own cost) or a real S3 server. */
  async sluice({ events: count, endpoint, level = 6, prefix = 'sluice', maxBytes = 8 * 1024 * 1024, maxPendingBytes, compressionConcurrency, turns = false }) {
    const pool = eventPool(count);
    const bytes = freshBytes(pool, count);
    const uploader = endpoint ? undefined : new InMemoryUploader();
    const modules = [minuteBatcherModule({ maxBytes }), s3Module(s3Options(endpoint ?? 'http://127.0.0.1:9', level, compressionConcurrency))];
    if (uploader) modules.unshift(new ContainerModule(({ bind }) => void bind(UPLOADER).toConstantValue(uploader)));
    const sluice = createSluice({ drainOnExit: false, maxPendingBytes, modules });
    const stop = loopMonitor();
    const start = nowNs();
    // `turns`: the producer's long turns and every long gap of the loop, split (turns.mjs).
    const recorder = turns ? turnRecorder() : undefined;
    const gaps = turns ? gapRecorder() : undefined;
    const { waits: backpressureWaits, producerTurnMaxMs } = await feedSluice(pool, count, sluice, prefix, recorder);
    const sendingSeconds = seconds(start);
    await sluice.close();
    const elapsed = seconds(start);
    const loop = stop();
    if (recorder) Object.assign(loop, { producerTurns: recorder.report(), loopGaps: gaps.report() });
    const delivered = uploader ? uploader.keys('bench').reduce((n, key) => n + uploader.lines('bench', key).length, 0) : undefined;
    return { eventsPerSec: count / elapsed, mbPerSec: bytes / 1e6 / elapsed, seconds: elapsed, sendingSeconds, peakRssMb: peakRssMb(), ...loop, producerTurnMaxMs, sent: count, delivered, prefix, backpressureWaits };
  },

  /**
   * The floor of the defaults scenario: Sluice's producer loop (feedSluice: `count` fresh
   * events, TURN per turn) into the minimal hand-written pipeline of floor.mjs, without a file
   * (the defaults scenario spools in memory): each event's line by JSON.stringify, ~1 MiB writes
   * into one gzip stream at level 6, one lib-storage Upload of one object. The producer awaits
   * gzip's 'drain' where Sluice's awaits ready().
   */
  async 'defaults-floor'({ events: count, endpoint, prefix = 'defaults-floor/', turns = false }) {
    const pool = eventPool(count);
    const bytes = freshBytes(pool, count);
    const pipe = floorPipeline({ endpoint, key: `${prefix}minute.ndjson.gz` });
    await pipe.warm();
    const stop = loopMonitor();
    const start = nowNs();
    let backpressureWaits = 0;
    let producerTurnMaxMs = 0;
    const recorder = turns ? turnRecorder() : undefined;
    const gaps = turns ? gapRecorder() : undefined;
    for (let i = 0; i < count; i += TURN) {
      const end = Math.min(count, i + TURN);
      const turnStart = nowNs();
      recorder?.start();
      for (let j = i; j < end; j += 1) pipe.append(`${JSON.stringify(freshEvent(pool, j))}\n`);
      const full = pipe.endTurn();
      producerTurnMaxMs = Math.max(producerTurnMaxMs, Number(nowNs() - turnStart) / 1e6);
      recorder?.end();
      if (full) {
        backpressureWaits += 1;
        await full;
      }
      await yieldLoop();
    }
    const sendingSeconds = seconds(start);
    await pipe.end();
    const elapsed = seconds(start);
    const loop = stop();
    if (recorder) Object.assign(loop, { producerTurns: recorder.report(), loopGaps: gaps.report() });
    return { eventsPerSec: count / elapsed, mbPerSec: bytes / 1e6 / elapsed, seconds: elapsed, sendingSeconds, peakRssMb: peakRssMb(), ...loop, producerTurnMaxMs, sent: count, prefix, backpressureWaits };
  },

  /**
   * The defaults scenario's producer loop alone: the same fresh events, TURN per turn, handed
   * to nothing. Its CPU per event (making the object, collecting it, the turns) is what any
   * shipper's producer spends before the shipper's own work starts.
   */
  async 'producer-alone'({ events: count }) {
    const pool = eventPool(count);
    let last;
    const stop = loopMonitor();
    const start = nowNs();
    // Keeping the last event where the optimiser cannot see it dropped makes each one a real
    // allocation, as an object handed to send() is.
    const events = await feed(pool, count, (e) => (last = e));
    const elapsed = seconds(start);
    const loop = stop();
    const cpuUsPerEvent = ((loop.mainThreadCpuSeconds ?? 0) + (loop.otherThreadsCpuSeconds ?? 0)) * 1e6 / count;
    return { events, seconds: elapsed, ...loop, cpuUsPerEvent, lastSeq: last?.seq };
  },

  /** Event-loop delay while one batch of about 100 MB is serialized and uploaded. */
  async eventloop({ endpoint, megabytes = 100 }) {
    const count = Math.ceil((megabytes * 1e6) / 420);
    const pool = eventPool(count);
    const sluice = createSluice({ drainOnExit: false, modules: [s3Module(s3Options(endpoint))] });
    for (let i = 0; i < count; i += 1) sluice.send.s3({ bucket: 'bench', prefix: 'eventloop', payload: freshEvent(pool, i) });
    const stop = loopMonitor();
    const start = nowNs();
    await sluice.close();
    return { batchMb: freshBytes(pool, count) / 1e6, flushSeconds: seconds(start), ...stop(), sent: count, prefix: 'eventloop' };
  },

  /**
   * RSS over simulated minutes of full-rate traffic across many destinations. The simulated
   * clock stands still while the producer waits, so maxPendingBytes must hold the open minute
   * (about 50 MiB of these events at 2,000 a second) below its three-quarter mark, with room
   * for the minute being delivered: 96 MiB.
   */
  async memory({ minutes = 10, destinations = 100, perSecond = 2_000, maxPendingBytes = 96 * 1024 * 1024 }) {
    const clock = new ManualClock(Date.parse('2024-06-01T00:00:00Z'));
    let delivered = 0;
    const counter = {
      async upload(request) {
        const gunzip = createGunzip();
        await pipeline(request.body, gunzip, new Writable({ write(chunk, _e, cb) { for (const b of chunk) if (b === 10) delivered += 1; cb(); } }));
        return { location: request.key, bytes: 0, parts: 1, alreadyExisted: false };
      },
    };
    const sluice = createSluice({
      drainOnExit: false,
      maxPendingBytes,
      modules: [new ContainerModule(({ bind }) => { bind(CLOCK).toConstantValue(clock); bind(UPLOADER).toConstantValue(counter); }), s3Module()],
    });
    const pool = generateEvents(10_000, SEED);
    const samples = [];
    let sent = 0;
    let waits = 0;
    const start = nowNs();
    for (let second = 0; second < minutes * 60; second += 1) {
      for (let i = 0; i < perSecond; i += 1) {
        try {
          sluice.send.s3({ bucket: 'bench', prefix: `tenant-${sent % destinations}`, payload: freshEvent(pool, sent) });
        } catch (error) {
          if (!(error instanceof BackpressureError)) throw error;
          // A well-behaved producer waits when told to, then sends the same event again.
          waits += 1;
          await sluice.ready();
          i -= 1;
          continue;
        }
        sent += 1;
      }
      await clock.advance(1_000);
      if (second % 60 === 59) {
        const pendingEvents = sluice.health().reduce((n, route) => n + route.pendingEvents, 0);
        samples.push({ minute: (second + 1) / 60, rssMb: process.memoryUsage.rss() / 1024 / 1024, pendingEvents });
      }
    }
    await sluice.close();
    const byMinute = samples.map((s) => s.rssMb);
    return {
      minutes, destinations, perSecond, maxPendingBytes, backpressureWaits: waits, sent, delivered, seconds: seconds(start), peakRssMb: peakRssMb(),
      rssByMinuteMb: byMinute, pendingEventsByMinute: samples.map((s) => s.pendingEvents),
      // Growth between the halves of the run, leaving out the first minute's warm-up: a leak or
      // an unbounded backlog shows as a second half higher than the first.
      growthSecondHalfVsFirst: Math.max(...byMinute.slice(Math.ceil(byMinute.length / 2))) / Math.max(...byMinute.slice(1, Math.ceil(byMinute.length / 2))),
    };
  },

  /** The hand-written minimal pipeline: stringify, join, one lib-storage Upload. */
  async minimal({ events: count, endpoint }) {
    const pool = eventPool(count);
    const client = adminClient(endpoint);
    const stop = loopMonitor();
    const start = nowNs();
    const lines = [];
    await feed(pool, count, (e) => lines.push(JSON.stringify(e)));
    const body = await new Promise((resolve, reject) => {
      const chunks = [];
      const gzip = createGzip({ level: 6 });
      gzip.on('data', (c) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
      gzip.end(lines.join('\n') + '\n');
    });
    await new Upload({ client, params: { Bucket: 'bench', Key: 'minimal/all.ndjson.gz', Body: body } }).done();
    const elapsed = seconds(start);
    return { eventsPerSec: count / elapsed, mbPerSec: freshBytes(pool, count) / 1e6 / elapsed, seconds: elapsed, peakRssMb: peakRssMb(), ...stop(), sent: count, prefix: 'minimal/' };
  },

  /**
   * s3-streamlogger with gzip. `minute`: as a user wanting minute objects would set it up, so
   * that it delivers every event: one upload a minute of what came since, each to a new file
   * (its defaults re-upload the growing file to one key every 10 KB, and overlapping
   * PutObjects of one key lose data). `defaults`: as its README shows, gzip on.
   */
  async streamlogger({ events: count, endpoint, config = 'minute' }) {
    const { S3StreamLogger } = require('s3-streamlogger');
    const pool = eventPool(count);
    const folder = config === 'minute' ? 'streamlogger' : 'streamlogger-defaults';
    const minute = { upload_every: 60_000, rotate_every: 60_000, buffer_size: Number.MAX_SAFE_INTEGER, max_file_size: Number.MAX_SAFE_INTEGER };
    const stream = new S3StreamLogger({
      bucket: 'bench', folder, compress: true, ...(config === 'minute' ? minute : {}),
      config: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...CREDENTIALS } },
    });
    const errors = [];
    stream.on('error', (e) => errors.push(String(e)));
    const stop = loopMonitor();
    const start = nowNs();
    await feed(pool, count, (e) => stream.write(JSON.stringify(e) + '\n'));
    await new Promise((resolve) => stream.flushFile(resolve));
    await new Promise((resolve) => stream.end(resolve));
    const elapsed = seconds(start);
    return { config, eventsPerSec: count / elapsed, mbPerSec: freshBytes(pool, count) / 1e6 / elapsed, seconds: elapsed, peakRssMb: peakRssMb(), ...stop(), sent: count, prefix: `${folder}/`, errors: errors.slice(0, 3) };
  },

  /**
   * winston-s3-transport as its README advises, with gzip, at its defaults: minute files
   * (fileRotationInterval 60 s), the current one uploaded every 20 s. It has no flush, so the
   * bucket is polled until every line logged is there.
   */
  async winston({ events: count, endpoint, timeoutSeconds = 120, uploadGraceSeconds = 60 }) {
    const winston = require('winston');
    const S3Transport = require('winston-s3-transport').default;
    const pool = eventPool(count);
    let objects = 0;
    const transport = new S3Transport({
      s3ClientConfig: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...CREDENTIALS } },
      s3TransportConfig: { bucket: 'bench', gzip: true, bucketPath: () => `winston/${Date.now()}-${objects++}.log` },
    });
    const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
    const client = adminClient(endpoint);
    const stop = loopMonitor();
    const start = nowNs();
    // Its cost per log call grows with what it buffers: logging stops after timeoutSeconds,
    // and what was logged gets uploadGraceSeconds more to arrive.
    const sent = await feed(pool, count, (e) => logger.info(e), () => seconds(start) >= timeoutSeconds);
    let delivered = 0;
    const waitUntil = seconds(start) + uploadGraceSeconds;
    while (seconds(start) < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      delivered = (await countLines(client, 'winston/')).lines;
      if (delivered >= sent) break;
    }
    const elapsed = seconds(start);
    const timedOut = sent < count || delivered < sent;
    return { eventsPerSec: sent / elapsed, mbPerSec: freshBytes(pool, sent) / 1e6 / elapsed, seconds: elapsed, peakRssMb: peakRssMb(), ...stop(), sent, prefix: 'winston/', timedOut };
  },
};

const run = scenarios[name];
if (!run) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const result = await run(options);
process.stdout.write(`${JSON.stringify({ scenario: name, ...result })}\n`);
// winston-s3-transport's upload interval is never cleared; nothing else needs this.
process.exit(0);
