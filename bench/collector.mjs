// The collector under load (`node bench/collector.mjs [--smoke] [--seconds N] [--only ndjson,single,bare] [--profile DIR]`):
// autocannon on loopback against `sluice serve`'s collector (file spool, s3rver behind it), two
// scenarios: NDJSON bodies of 1,000 events, and one JSON event per request. Then a graceful
// shutdown and every line read back from the bucket: nothing answered with 202 may be missing.
// `bare`: the same one-event load against servers that only read the body and answer 202
// (node:http alone, and fastify), the platform's ceiling for the collector's single-event figure.
// Prints one JSON line: events/s accepted, p50/p99 latency, peak RSS of the collector, lost.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { adminClient, countLines } from './bucket.mjs';
import { generateEvents } from './events.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, seconds: { type: 'string' }, profile: { type: 'string' }, only: { type: 'string' } },
});
const seconds = Number(args.seconds ?? (args.smoke ? 2 : 15));
const only = new Set((args.only ?? 'ndjson,single,bare').split(','));

/** Starts a node script, resolves with its first stdout JSON line and a way to read the last. */
function start(script, argv, nodeFlags = []) {
  const child = spawn(process.execPath, ['--no-warnings', ...nodeFlags, path.join(here, script), ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const first = new Promise((resolve, reject) => {
    child.stdout.on('data', () => out.includes('\n') && resolve(JSON.parse(out.split('\n')[0])));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', () => resolve(JSON.parse(out.trim().split('\n').at(-1))));
      child.kill('SIGTERM');
    });
  return { first, stop, pid: child.pid };
}

/** CPU seconds (user + system, all threads) a process used so far, from /proc on Linux; NaN elsewhere. */
function processCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const perEvent = (seconds, events) => Math.round((seconds * 1e7) / events) / 10;

const s3 = start('s3server.mjs', []);
const { port } = await s3.first;
const endpoint = `http://127.0.0.1:${port}`;

/**
 * One load: `server` (collector-server.mjs, or collector-bare-server.mjs with `bare` set to
 * its kind) under autocannon. Only the collector's events are read back from the bucket.
 */
async function scenario(name, body, contentType, eventsPerRequest, connections, bare) {
  const spool = bare ? undefined : await mkdtemp(path.join(tmpdir(), 'sluice-bench-collector-'));
  // --profile <folder>: a CPU profile of the server's process per scenario (node --cpu-prof).
  const profile = args.profile ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args.profile), '--cpu-prof-name', `${name}.cpuprofile`] : [];
  const collector = bare ? start('collector-bare-server.mjs', [bare], profile) : start('collector-server.mjs', [endpoint, spool], profile);
  const { url } = await collector.first;
  const s3CpuAtStart = processCpuSeconds(s3.pid);
  const loadCpuAtStart = process.cpuUsage();
  const result = await autocannon({ url: `${url}/v1/events`, method: 'POST', headers: { 'content-type': contentType }, body, connections, duration: seconds });
  const loadCpu = process.cpuUsage(loadCpuAtStart);
  const s3Cpu = processCpuSeconds(s3.pid) - s3CpuAtStart;
  const shutdown = await collector.stop();
  const accepted = shutdown.accepted;
  if (spool) await rm(spool, { recursive: true, force: true });
  const landed = bare ? { lines: accepted, objects: 0 } : await countLines(adminClient(endpoint), `${name}/`);
  return {
    eventsPerRequest,
    connections,
    seconds,
    requestsPerSecond: Math.round(result['2xx'] / result.duration),
    eventsPerSecond: Math.round((result['2xx'] * eventsPerRequest) / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    accepted,
    delivered: landed.lines,
    objects: landed.objects,
    lost: accepted - landed.lines,
    drainedAtShutdown: shutdown.drained,
    collectorMaxRssMiB: Math.round(shutdown.maxRssBytes / 1024 / 1024),
    // Where the CPU went during the load, in µs per accepted event (user + system): the
    // collector (all its threads), its main thread alone (Linux: the event loop, where
    // requests are handled), its other threads (libuv's threadpool: gzip, fsync, deletions;
    // V8's helpers), the S3 server's process, and this process (autocannon).
    collectorCpuMicrosPerEvent: perEvent(shutdown.cpuMs / 1000, accepted),
    collectorMainThreadCpuMicrosPerEvent: perEvent(shutdown.mainCpuMs / 1000, accepted),
    collectorOtherThreadsCpuMicrosPerEvent: perEvent((shutdown.cpuMs - shutdown.mainCpuMs) / 1000, accepted),
    s3ServerCpuMicrosPerEvent: perEvent(s3Cpu, accepted),
    autocannonCpuMicrosPerEvent: perEvent((loadCpu.user + loadCpu.system) / 1e6, accepted),
  };
}

const payloads = generateEvents(1_000, 7);
const line = (prefix, payload) => JSON.stringify({ bucket: 'bench', prefix, payload });
const results = {};
if (only.has('ndjson')) results.ndjson1000 = await scenario('collector-ndjson', payloads.map((p) => line('collector-ndjson', p)).join('\n'), 'application/x-ndjson', 1_000, 4);
const single = line('collector-single', payloads[0]);
if (only.has('single')) results.oneEventPerRequest = await scenario('collector-single', single, 'application/json', 1, 32);
if (only.has('bare')) {
  // The same body and load as the single-event scenario, against servers that do nothing with it.
  results.bareNodeHttp = await scenario('bare-node', single, 'application/json', 1, 32, 'node');
  results.bareFastify = await scenario('bare-fastify', single, 'application/json', 1, 32, 'fastify');
  const one = results.oneEventPerRequest;
  if (one) {
    // What share of the platform's ceiling the collector reaches, in events/s and in main-thread CPU per request.
    one.ratioToBareNodeHttp = Math.round((one.eventsPerSecond / results.bareNodeHttp.eventsPerSecond) * 100) / 100;
    one.ratioToBareFastify = Math.round((one.eventsPerSecond / results.bareFastify.eventsPerSecond) * 100) / 100;
    one.mainThreadCpuToBareNodeHttp = Math.round((one.collectorMainThreadCpuMicrosPerEvent / results.bareNodeHttp.collectorMainThreadCpuMicrosPerEvent) * 100) / 100;
  }
}
await s3.stop().catch(() => {});
const ok = Object.values(results).every((r) => r.lost === 0 && r.errors === 0);
process.stdout.write(`${JSON.stringify({ scenario: 'collector', target: 100_000, ok, ...results })}\n`);
if (!ok) process.exitCode = 1;
