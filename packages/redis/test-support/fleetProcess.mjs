// One process of a test fleet. argv[2] is JSON:
//   { url, endpoint, role, shards, windowMs, leaseMs, graceMs, cluster, spool?, producer?: { name, events, routes, perFlush, spooled } }
// A producer sends `events` events over `routes` routes (bucket "fleet", prefix r<k>), and
// after each `perFlush` events awaits flush() and prints the ids now persisted in Redis, one
// a line, then "done" once closed. With `spool` (a folder) a file spool sits in front of Redis;
// `spooled` events more are then sent and printed as send() returns (persisted in the spool),
// then "spooled", and the process waits to be killed. A flusher prints "ready", then "late <key>" for each late object it stores, and runs until SIGTERM.
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { Container, ContainerModule } from 'inversify';
import { BATCHER, createSluice } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { FLEET, fleetModule } from '@sluice/redis';
import { fileSpoolModule } from '@sluice/spool-file';

const config = JSON.parse(process.argv[2]);
const windowMs = config.windowMs ?? 3_000;
const windows = new ContainerModule(({ bind }) => {
  bind(BATCHER).toConstantValue({
    windowOf: (t) => ({ start: Math.floor(t / windowMs) * windowMs, end: Math.floor(t / windowMs) * windowMs + windowMs }),
    wouldOverflow: () => false,
  });
});
const container = new Container();
const sluice = createSluice({
  container,
  logLevel: config.logLevel ?? 'silent',
  handleSignals: true,
  modules: [
    ...(config.spool ? [fileSpoolModule({ directory: config.spool })] : []),
    windows,
    s3Module({ endpoint: config.endpoint, forcePathStyle: true, partSizeBytes: 5 * 1024 * 1024, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
    fleetModule({
      url: config.url,
      cluster: config.cluster ?? false,
      role: config.role,
      shards: config.shards ?? 8,
      leaseMs: config.leaseMs ?? 2_000,
      graceMs: config.graceMs ?? 1_000,
      pollIntervalMs: 20,
      appendIntervalMs: config.appendIntervalMs ?? 50,
      ...(config.maxBacklogBytes ? { maxBacklogBytes: config.maxBacklogBytes } : {}),
      ...(config.maxBufferedBytes ? { maxBufferedBytes: config.maxBufferedBytes } : {}),
      ...(config.appendChunkBytes ? { appendChunkBytes: config.appendChunkBytes } : {}),
    }),
  ],
});
// writeSync() on a non-blocking pipe may write part of a long line (60,000 ids) or answer
// EAGAIN: the rest is written until none is left, so the test reads every id printed.
const say = (text) => {
  const bytes = Buffer.from(`${text}\n`);
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(1, bytes, done);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
};

if (config.producer) {
  const { name, events, routes, perFlush = 1_000, pad = 400, random = false, pauseEvery = 0, bucket = 'fleet', prefix = '', spooled = 0 } = config.producer;
  const fixed = 'x'.repeat(pad);
  let line = [];
  for (let i = 0; i < events; i += 1) {
    const id = `${name}-${i}`;
    for (;;) {
      try {
        sluice.send.s3({ bucket, prefix: `${prefix}r${i % routes}`, payload: { id, padding: random ? randomBytes((pad * 3) / 4).toString('base64') : fixed } });
        break;
      } catch (error) {
        if (error.code !== 'SLUICE_BACKPRESSURE') throw error;
        say(`backpressure`);
        await sluice.ready();
      }
    }
    line.push(id);
    // A paced producer: a pause of a few ms every pauseEvery events, as an application serving requests would.
    if (pauseEvery > 0 && i % pauseEvery === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    if (line.length === perFlush || i === events - 1) {
      await sluice.flush();
      say(line.join('\n'));
      line = [];
    }
  }
  if (spooled > 0) {
    for (let i = events; i < events + spooled; i += 1) {
      // With the spool in front, persisted resolves once send() returned: the record is in the spool file.
      await sluice.send.s3({ bucket, prefix: `${prefix}r${i % routes}`, payload: { id: `${name}-${i}`, padding: fixed } }).persisted;
      say(`${name}-${i}`);
    }
    say('spooled');
    setInterval(() => {}, 60_000);
  } else {
    await sluice.close();
    say('done');
    process.exit(0);
  }
} else {
  // A late object shares its window with the window's own object; the test tells them apart by these lines.
  sluice.on('delivered', (event) => {
    if (event.late) say(`late ${event.key}`);
  });
  say('ready');
  process.on('SIGUSR2', () => say(`stats ${JSON.stringify(container.get(FLEET).stats())}`));
}
