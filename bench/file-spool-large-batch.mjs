// A ~1 GB batch in the file spool, uploaded to s3rver: peak RSS above the process's baseline.
//   node bench/file-spool-large-batch.mjs [--smoke] [--megabytes N]
// Needs `npm run build`. Prints one JSON line. The batch is written by a child process (so the
// writing costs this process nothing) and left as a dead process would leave it; this process
// then starts a sluice with the file spool on that folder, which recovers the batch and
// streams it from the file through gzip into a multipart upload. `--smoke`: 16 MB.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsCommand } from '@aws-sdk/client-s3';
import { batchIdentifier, createSluice, JsonLogger, SystemClock } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { FileSpool, fileSpoolModule, parseFileSpoolOptions } from '@sluice/spool-file';
import { adminClient, CREDENTIALS } from './bucket.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, megabytes: { type: 'string' }, write: { type: 'string' } },
});
const PREFIX = 'large-batch';
const LINE_BYTES = 1_024;

/** Child mode: writes the batch into the spool folder and exits without closing, as a crash would. */
async function writeBatch(directory, megabytes) {
  const clock = new SystemClock();
  const spool = new FileSpool(parseFileSpoolOptions({ directory, fsync: 'never' }), clock, new JsonLogger('warn'));
  const routeId = `s3://bench/${PREFIX}/`;
  const identity = { routeId, windowStart: 0, sequence: 0, producerId: 'bench', incarnation: randomBytes(8).toString('hex') };
  const batch = spool.open({
    destination: 's3',
    routeId,
    target: { bucket: 'bench', prefix: PREFIX },
    identity,
    identifier: batchIdentifier(identity),
    window: { start: 0, end: 60_000 },
    openedAt: clock.now(),
  });
  // Random hex so gzip has work to do (about 2:1), as with real payloads.
  const lines = Math.round((megabytes * 1024 * 1024) / LINE_BYTES);
  const prefix = '{"n":';
  for (let n = 0; n < lines; n += 1) {
    const head = `${prefix}${n},"r":"`;
    batch.append(`${head}${randomBytes((LINE_BYTES - head.length - 3) / 2 + 1).toString('hex').slice(0, LINE_BYTES - head.length - 3)}"}\n`);
  }
  process.stdout.write(`${JSON.stringify({ lines, bytes: batch.size })}\n`);
  process.exit(0);
}

function run(script, argv, onLine) {
  const child = spawn(process.execPath, ['--no-warnings', script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (onLine && out.includes('\n')) onLine(JSON.parse(out.split('\n')[0]), child);
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${script} exited with ${code}`))));
  });
}

/** Lines of every object under the prefix, gunzipped as a stream (a 1 GB object is never held whole). */
async function countDelivered(endpoint) {
  const client = adminClient(endpoint);
  const { Contents = [] } = await client.send(new ListObjectsCommand({ Bucket: 'bench', Prefix: `${PREFIX}/` }));
  let lines = 0;
  for (const { Key } of Contents) {
    const { Body } = await client.send(new GetObjectCommand({ Bucket: 'bench', Key }));
    await pipeline(Body, createGunzip(), new Writable({ write(chunk, _, done) { for (const byte of chunk) if (byte === 0x0a) lines += 1; done(); } }));
  }
  client.destroy();
  return { objects: Contents.length, lines };
}

if (args.write) {
  await writeBatch(args.write, Number(args.megabytes));
} else {
  const megabytes = Number(args.megabytes ?? (args.smoke ? 16 : 1024));
  const directory = await mkdtemp(path.join(tmpdir(), 'sluice-bench-spool-'));
  let server;
  const serverReady = new Promise((resolve) => {
    void run(path.join(here, 's3server.mjs'), [], (line, child) => resolve((server = { endpoint: `http://127.0.0.1:${line.port}`, child })));
  });
  try {
    const written = await run(fileURLToPath(import.meta.url), ['--write', directory, '--megabytes', String(megabytes)]);
    await serverReady;
    const baseline = process.memoryUsage().rss;
    const started = performance.now();
    const sluice = createSluice({
      drainOnExit: false,
      logLevel: 'error',
      modules: [fileSpoolModule({ directory, fsync: 'never' }), s3Module({ endpoint: server.endpoint, forcePathStyle: true, credentials: { ...CREDENTIALS } })],
    });
    await sluice.close();
    const seconds = (performance.now() - started) / 1_000;
    // ru_maxrss is the peak of the whole process; the baseline was taken just before the sluice started.
    const peak = process.resourceUsage().maxRSS * 1024;
    const delivered = await countDelivered(server.endpoint);
    const result = {
      scenario: 'file-spool-large-batch',
      megabytes,
      batchBytes: written.bytes,
      lines: written.lines,
      delivered: delivered.lines,
      objects: delivered.objects,
      uploadSeconds: Number(seconds.toFixed(1)),
      baselineRssMB: Math.round(baseline / 2 ** 20),
      peakRssMB: Math.round(peak / 2 ** 20),
      peakAboveBaselineMB: Math.round((peak - baseline) / 2 ** 20),
      targetMB: 150,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (delivered.lines !== written.lines) process.exitCode = 1;
  } finally {
    server?.child.kill('SIGTERM');
    await rm(directory, { recursive: true, force: true });
  }
}
