// `npm run bench`: every figure in one run, side by side, on the same seeded events.
// `--smoke` runs each scenario small and checks only that every event was delivered.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adminClient, countLines } from './bucket.mjs';
import { processCpuSeconds } from './cpu.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// The AWS SDK's Node-20 notice about its 2027 releases (see the README), once per scenario process: not a finding.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values: args } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, events: { type: 'string' }, out: { type: 'string', default: 'bench-results' } },
});
const smoke = args.smoke;
const N = Number(args.events ?? (smoke ? 5_000 : 1_000_000));
// send() is timed per batch of calls: 200,000 events give 800 batches over 4 rounds.
const SEND_EVENTS = Math.min(N, 200_000);
// The lean configuration the peer comparison uses: a producer that outruns compression
// waits at 32 MiB instead of the default 256 MiB.
const LEAN_PENDING_BYTES = 32 * 1024 * 1024;

function runNode(script, argv, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-deprecation', '--no-warnings', ...nodeFlags, path.join(here, script), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code === 0) return resolve(JSON.parse(out.trim().split('\n').at(-1)));
      const reason = err.split('\n').find((line) => /Error/.test(line)) ?? `exit code ${code}`;
      reject(Object.assign(new Error(`${script} ${argv[0]} exited with ${code}: ${reason}`), { reason }));
    });
  });
}

async function startServer() {
  const child = spawn(process.execPath, ['--no-warnings', path.join(here, 's3server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));
  return { endpoint: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }) };
}

const results = {};
const failures = [];
let server;
/** Runs a scenario's process and adds the S3 server's CPU seconds over the same span. */
async function withServerCpu(run) {
  const before = processCpuSeconds(server.pid);
  const result = await run();
  return { ...result, serverCpuSeconds: processCpuSeconds(server.pid) - before };
}
async function scenario(key, name, options, verify) {
  process.stderr.write(`- ${key} …\n`);
  let result;
  try {
    result = await withServerCpu(() => runNode('scenarios.mjs', [name, JSON.stringify(options)]));
  } catch (error) {
    // A peer that crashes is a finding: report it with what reached the bucket.
    if (!key.startsWith('peer-')) throw error;
    const prefix = name === 'streamlogger' ? (options.config === 'defaults' ? 'streamlogger-defaults' : 'streamlogger') : name;
    result = { scenario: name, crashed: error.reason, sent: options.events, prefix: `${prefix}/` };
  }
  if (verify) {
    const landed = await countLines(verify, result.prefix);
    result.delivered = landed.lines;
    result.objects = landed.objects;
    result.unreadableObjects = landed.unreadable;
  }
  // A peer that loses events is a finding to report; Sluice losing one is a failure.
  if (!key.startsWith('peer-') && result.sent !== undefined && result.delivered !== result.sent) {
    failures.push(`${key}: sent ${result.sent}, delivered ${result.delivered}`);
  }
  results[key] = result;
  return result;
}

server = await startServer();
const client = adminClient(server.endpoint);
try {
  await scenario('ceiling-level6', 'ceiling', { events: N, level: 6 });
  await scenario('ceiling-level1', 'ceiling', { events: N, level: 1 });
  await scenario('send', 'send', { events: SEND_EVENTS });
  await scenario('sluice-memory-level6', 'sluice', { events: N, level: 6 });
  await scenario('sluice-memory-level1', 'sluice', { events: N, level: 1 });
  // The ceiling again right before each scenario a target divides by it: the same code's
  // ceiling moved by up to 25 % within minutes on a quiet shared machine.
  await scenario('ceiling-level6-end-to-end', 'ceiling', { events: N, level: 6 });
  await scenario('sluice-s3-level6', 'sluice', { events: N, level: 6, endpoint: server.endpoint, prefix: 'sluice-l6/' }, client);
  await scenario('sluice-s3-level1', 'sluice', { events: N, level: 1, endpoint: server.endpoint, prefix: 'sluice-l1/' }, client);
  await scenario('sluice-s3-level6-lean', 'sluice', { events: N, level: 6, endpoint: server.endpoint, prefix: 'sluice-lean/', maxPendingBytes: LEAN_PENDING_BYTES }, client);
  await scenario('eventloop-100mb', 'eventloop', { endpoint: server.endpoint, megabytes: smoke ? 5 : 100 }, client);
  await scenario('memory-10min-100dest', 'memory', smoke ? { minutes: 2, destinations: 10, perSecond: 200 } : { minutes: 10, destinations: 100, perSecond: 2_000 });
  // Minutes at library defaults: no cap on a batch, the default maxPendingBytes, streaming while open.
  await scenario('ceiling-level6-defaults', 'ceiling', { events: N, level: 6 });
  await scenario('sluice-s3-defaults', 'sluice', { events: N, level: 6, endpoint: server.endpoint, prefix: 'defaults/', maxBytes: 0 }, client);
  // Floors: the same producer loop into a minimal hand-written pipeline doing the same durable
  // work (floor.mjs), right after the scenario it stands beside; and the producer loop alone.
  await scenario('defaults-floor', 'defaults-floor', { events: N, endpoint: server.endpoint, prefix: 'defaults-floor/' }, client);
  await scenario('defaults-producer-alone', 'producer-alone', { events: N });
  process.stderr.write('- heavy-minute-producer-alone …\n');
  results['heavy-minute-producer-alone'] = await runNode('minutes.mjs', ['producer', JSON.stringify({ megabytes: smoke ? 32 : 1024 })]);
  for (const spool of ['memory', 'file']) {
    for (const [key, name] of [[`heavy-minute-${spool}`, 'heavy'], [`heavy-floor-${spool}`, 'heavy-floor']]) {
      process.stderr.write(`- ${key} …\n`);
      results[key] = await withServerCpu(() => runNode('minutes.mjs', [name, JSON.stringify({ endpoint: server.endpoint, megabytes: smoke ? 32 : 1024, spool })]));
    }
  }
  process.stderr.write('- open-destinations …\n');
  results['open-destinations'] = await runNode('minutes.mjs', ['many', JSON.stringify({ endpoint: server.endpoint, destinations: smoke ? 200 : 10_000, serverPid: server.pid })]);
  for (const key of ['heavy-minute-memory', 'heavy-minute-file', 'heavy-floor-memory', 'heavy-floor-file', 'open-destinations']) {
    const { sent, delivered } = results[key];
    if (delivered !== sent) failures.push(`${key}: sent ${sent}, delivered ${delivered}`);
  }
  // Scenarios with a script of their own: a long soak of new prefixes, and a 1 GB file-spooled batch.
  results['soak-30min-new-prefixes'] = await runNode('soak.mjs', [JSON.stringify(smoke ? { minutes: 6, prefixes: 100 } : { minutes: 30, prefixes: 1_000 })], ['--expose-gc']);
  results['file-spool-1gb-batch'] = await runNode('file-spool-large-batch.mjs', smoke ? ['--smoke'] : []);
  results.collector = await runNode('collector.mjs', smoke ? ['--smoke'] : []);
  if (!results.collector.ok) failures.push(`collector: ${JSON.stringify(results.collector)}`);
  for (const key of ['soak-30min-new-prefixes', 'file-spool-1gb-batch']) {
    const { sent = results[key].lines, delivered } = results[key];
    if (delivered !== sent) failures.push(`${key}: sent ${sent}, delivered ${delivered}`);
  }
  // Fleet mode on Redis Streams (its own redis-server per measurement; flushers in processes of their own).
  results.fleet = await runNode('fleet.mjs', [JSON.stringify({ endpoint: server.endpoint, events: smoke ? 5_000 : 200_000 })]);
  for (const flushers of [1, 2]) {
    const delivered = results.fleet[`endToEnd${flushers}Delivered`];
    if (delivered !== results.fleet.sent) failures.push(`fleet with ${flushers} flusher(s): sent ${results.fleet.sent}, delivered ${delivered}`);
  }
  await scenario('peer-minimal', 'minimal', { events: N, endpoint: server.endpoint }, client);
  // Configured to deliver every event (an upload a minute, a new file each): the ratios are taken against it.
  await scenario('peer-s3-streamlogger', 'streamlogger', { events: N, endpoint: server.endpoint, config: 'minute' }, client);
  // At its defaults, for the loss beside it.
  await scenario('peer-s3-streamlogger-defaults', 'streamlogger', { events: N, endpoint: server.endpoint, config: 'defaults' }, client);
  // It has no flush, and each log call costs more the more it buffers: logging stops after
  // timeoutSeconds, then the bucket is polled until every line logged is there or the grace ends.
  await scenario('peer-winston-s3-transport', 'winston', { events: N, endpoint: server.endpoint, timeoutSeconds: smoke ? 30 : 120, uploadGraceSeconds: smoke ? 15 : 60 }, client);
} finally {
  client.destroy();
  await server.stop();
}

const r = results;
const fmt = (n, digits = 0) => (n === undefined ? '—' : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ceiling = r['ceiling-level6'].ceilingEventsPerSec;
/** The ceiling measured right before a scenario; the targets divide by it. */
const ceilingBefore = (key) => r[`ceiling-level6-${key}`].ceilingEventsPerSec;
const ceilings = (key) => `ceiling just before it ${fmt(ceilingBefore(key))} events/s, at the run's start ${fmt(ceiling)}`;
const peers = ['peer-minimal', 'peer-s3-streamlogger', 'peer-s3-streamlogger-defaults', 'peer-winston-s3-transport'];
// The targets compare with the published libraries; the minimal pipeline is shown for scale.
const fastestPeer = ['peer-s3-streamlogger', 'peer-winston-s3-transport'].map((k) => r[k]).filter((p) => !p.crashed).sort((a, b) => b.eventsPerSec - a.eventsPerSec)[0] ?? { scenario: 'none finished', eventsPerSec: NaN, peakRssMb: NaN, rssAboveBaselineMb: NaN, loopMaxMs: NaN };
const s3 = r['sluice-s3-level6'];
/**
 * RSS a heavy minute adds with Sluice, less what the same producer loop adds without it (its
 * garbage, in a process of its own, in this run): an estimate of Sluice's own share. Both are
 * peaks of one process, so the difference is an estimate, not a measurement of Sluice alone.
 */
const sluiceOwnRss = (key) => r[key].rssAddedMb - r['heavy-minute-producer-alone'].rssAddedMb;
const lean = r['sluice-s3-level6-lean'];
/**
 * Two cores' arithmetic for the defaults target: the CPU per event that any shipper must spend,
 * each part measured in this run: stringify and gzip (the ceiling just before defaults), the
 * SHA-256 Signature V4 takes of the compressed bytes (the ceiling's SHA-256 of the raw bytes ÷
 * the gzip ratio), the producer loop alone (making fresh events, collecting them, its turns),
 * and the S3 server's CPU per event in the defaults run (it shares the two cores). Two cores
 * divided by their sum is the most any shipper could reach here. The ceiling's parts are
 * wall-clock timings, the CPU they take only while nothing else wants the cores: the
 * arithmetic is for a quiet run.
 */
const twoCores = (() => {
  const c = r['ceiling-level6-defaults'];
  const d = r['sluice-s3-defaults'];
  const parts = {
    stringifyUs: c.stringifyUs,
    gzipUs: c.gzipUs,
    sha256Us: c.sha256Us / c.ratio,
    producerUs: r['defaults-producer-alone'].cpuUsPerEvent,
    serverUs: (d.serverCpuSeconds * 1e6) / d.sent,
  };
  const unavoidableUs = Object.values(parts).reduce((a, b) => a + b, 0);
  const ceilingNow = c.ceilingEventsPerSec;
  const perEventUs = (x) => ((x.mainThreadCpuSeconds + x.otherThreadsCpuSeconds) * 1e6) / x.sent;
  return {
    ...parts, unavoidableUs,
    upperBoundEventsPerSec: 2e6 / unavoidableUs,
    upperBoundXCeiling: 2e6 / unavoidableUs / ceilingNow,
    // At 1.5 × the ceiling two cores give each event 2 / (1.5 × ceiling) s; what the parts above leave of it.
    budgetAt15Us: 2e6 / (1.5 * ceilingNow) - unavoidableUs,
    sluiceOwnUs: perEventUs(d) - parts.stringifyUs - parts.gzipUs - parts.sha256Us - parts.producerUs,
    floorOwnUs: perEventUs(r['defaults-floor']) - parts.stringifyUs - parts.gzipUs - parts.sha256Us - parts.producerUs,
  };
})();
const floorX = (key) => r[key].eventsPerSec / ceilingBefore('defaults');
const loopFloor = (floorKey) => `floor: loop max ${fmt(r[floorKey].loopMaxMs, 1)} ms, its producer turn ${fmt(r[floorKey].producerTurnMaxMs, 1)} ms`;
const targets = [
  [`end to end into S3 ≥ 1.2 × single-core ceiling (${ceilings('end-to-end')})`, s3.eventsPerSec / ceilingBefore('end-to-end'), 1.2, '≥'],
  ['send() ≤ 1.3 × JSON.stringify (mean)', r.send.ratioMean, 1.3, '≤'],
  ['event-loop max delay ≤ 20 ms while a 100 MB batch flushes', r['eventloop-100mb'].loopMaxMs, 20, '≤'],
  ['RSS flat over 10 simulated minutes (peak of minutes 6–10 ÷ peak of minutes 2–5 ≤ 1.1)', r['memory-10min-100dest'].growthSecondHalfVsFirst, 1.1, '≤'],
  ['RSS flat over 30 simulated minutes of 1,000 new prefixes each (second half ÷ first ≤ 1.1)', r['soak-30min-new-prefixes'].rssGrowthSecondHalfVsFirst, 1.1, '≤'],
  ['routes in health() flat over the same soak (second half ÷ first ≤ 1.2)', r['soak-30min-new-prefixes'].routesGrowthSecondHalfVsFirst, 1.2, '≤'],
  ['1 GB file-spooled batch uploads in < 150 MB above the process baseline', r['file-spool-1gb-batch'].peakAboveBaselineMB, 150, '≤'],
  [`defaults (no cap, streaming) ≥ 1.5 × one-core ceiling (${ceilings('defaults')}; floor: ${fmt(floorX('defaults-floor'), 2)} ×; two cores ÷ the CPU any shipper spends per event, ${fmt(twoCores.unavoidableUs, 2)} µs: at most ${fmt(twoCores.upperBoundXCeiling, 2)} ×)`, r['sluice-s3-defaults'].eventsPerSec / ceilingBefore('defaults'), 1.5, '≥'],
  ['defaults ≥ 0.9 × the 8 MiB-capped scenario', r['sluice-s3-defaults'].eventsPerSec / s3.eventsPerSec, 0.9, '≥'],
  [`heavy minute, file spool: RSS Sluice adds ≤ 64 MiB + partSize × partConcurrency (96 MiB), taken as RSS added with Sluice (${fmt(r['heavy-minute-file'].rssAddedMb)} MB) − RSS added by the same producer loop alone in this run (${fmt(r['heavy-minute-producer-alone'].rssAddedMb)} MB)`, sluiceOwnRss('heavy-minute-file'), 96, '≤'],
  [`heavy minute, memory spool: RSS Sluice adds ≤ 96 MiB, taken the same way (with Sluice ${fmt(r['heavy-minute-memory'].rssAddedMb)} MB; the memory spool keeps the compressed minute)`, sluiceOwnRss('heavy-minute-memory'), 96, '≤'],
  [`event-loop max ≤ 20 ms, defaults (one destination, no cap; the producer loop's longest turn of 100 send() calls, send() and GC in it included: ${fmt(r['sluice-s3-defaults'].producerTurnMaxMs, 1)} ms; ${loopFloor('defaults-floor')})`, r['sluice-s3-defaults'].loopMaxMs, 20, '≤'],
  [`event-loop max ≤ 20 ms, heavy minute, memory spool (the producer loop's longest turn: ${fmt(r['heavy-minute-memory'].producerTurnMaxMs, 1)} ms; ${loopFloor('heavy-floor-memory')})`, r['heavy-minute-memory'].loopMaxMs, 20, '≤'],
  [`event-loop max ≤ 20 ms, heavy minute, file spool (the producer loop's longest turn: ${fmt(r['heavy-minute-file'].producerTurnMaxMs, 1)} ms; ${loopFloor('heavy-floor-file')})`, r['heavy-minute-file'].loopMaxMs, 20, '≤'],
  [`event-loop max ≤ 20 ms, flush of 10,000 destinations (the SDK alone sending as many small objects 16 at once: loop max ${fmt(r['open-destinations'].serverPutsLoopMaxMs, 1)} ms)`, r['open-destinations'].loopMaxMs, 20, '≤'],
  ['10,000 open destinations: objects/s at the flush ≥ 0.8 × the server\'s PutObject rate alone', r['open-destinations'].ratioToServer, 0.8, '≥'],
  ['collector: ≥ 100,000 events/s accepted with NDJSON bodies of 1,000 events', r.collector.ndjson1000.eventsPerSecond, 100_000, '≥'],
  [`throughput ≥ 1.5 × fastest peer (${fastestPeer.scenario}; Sluice lean: maxPendingBytes 32 MiB)`, lean.eventsPerSec / fastestPeer.eventsPerSec, 1.5, '≥'],
  ['peak RSS ≤ 1/10 of fastest peer (process peak; Sluice lean)', lean.peakRssMb / fastestPeer.peakRssMb, 0.1, '≤'],
  ['RSS a shipper adds ≤ 1/10 of fastest peer\'s (above the generated events; Sluice lean)', lean.rssAboveBaselineMb / fastestPeer.rssAboveBaselineMb, 0.1, '≤'],
  ['RSS a shipper adds ≤ 1/10 of fastest peer\'s (Sluice with the default maxPendingBytes 256 MiB)', s3.rssAboveBaselineMb / fastestPeer.rssAboveBaselineMb, 0.1, '≤'],
  ['fleet: one producer appends ≥ 100,000 events/s into Redis', r.fleet.producerEventsPerSec, 100_000, '≥'],
  ['fleet: send() ≤ 1.5 × memory mode', r.fleet.sendFleetVsMemory, 1.5, '≤'],
  ['event-loop max ≤ 1/10 of fastest peer (Sluice lean)', lean.loopMaxMs / fastestPeer.loopMaxMs, 0.1, '≤'],
].map(([target, value, bound, op]) => ({ target, value, bound, met: op === '≥' ? value >= bound : value <= bound }));

const md = [
  `# Sluice benchmark${smoke ? ' (smoke run: correctness only, figures meaningless)' : ''}`,
  '',
  `${N.toLocaleString('en-US')} seeded events of ${fmt(r['ceiling-level6'].ratio, 1)}:1 gzip ratio, Node ${process.version}, ${new Date().toISOString()}. S3 server: s3rver on 127.0.0.1 in its own process.`,
  '',
  '## Ceiling (plain Node, one core)',
  '',
  '| level | stringify µs/event | gzip µs/event | sha256 µs/event | stringify+gzip events/s |',
  '| --- | --- | --- | --- | --- |',
  ...[
    ['ceiling-level6', ''],
    ['ceiling-level1', ''],
    ['ceiling-level6-end-to-end', ', just before end to end'],
    ['ceiling-level6-defaults', ', just before defaults'],
  ].map(([k, when]) => `| ${r[k].level}${when} | ${fmt(r[k].stringifyUs, 2)} | ${fmt(r[k].gzipUs, 2)} | ${fmt(r[k].sha256Us, 2)} | ${fmt(r[k].ceilingEventsPerSec)} |`),
  '',
  '## send()',
  '',
  '| | mean ns/event | p99 ns/event (batches of 1,000) |',
  '| --- | --- | --- |',
  `| JSON.stringify | ${fmt(r.send.stringifyMeanNs)} | ${fmt(r.send.stringifyP99Ns)} |`,
  `| sluice.send.s3() | ${fmt(r.send.sendMeanNs)} | ${fmt(r.send.sendP99Ns)} |`,
  `| ratio | ${fmt(r.send.ratioMean, 2)} | ${fmt(r.send.ratioP99, 2)} |`,
  '',
  '## Throughput, memory and event loop (same events, same server)',
  '',
  '| contender | events/s | MB/s | × ceiling | peak RSS MB | RSS added MB | loop max ms | loop p99 ms | delivered / sent |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...['sluice-memory-level6', 'sluice-memory-level1', 'sluice-s3-level6', 'sluice-s3-level1', 'sluice-s3-level6-lean', ...peers].map((k) => `| ${k}${r[k].crashed ? ` (crashed: ${r[k].crashed.trim()})` : ''}${r[k].unreadableObjects ? ` (${r[k].unreadableObjects} objects not valid gzip)` : ''}${r[k].timedOut ? ` (stopped after ${fmt(r[k].sent)} events or gave up waiting for them)` : ''} | ${fmt(r[k].eventsPerSec)} | ${fmt(r[k].mbPerSec, 1)} | ${fmt(r[k].eventsPerSec / ceiling, 2)} | ${fmt(r[k].peakRssMb)} | ${fmt(r[k].rssAboveBaselineMb)} | ${fmt(r[k].loopMaxMs, 1)} | ${fmt(r[k].loopP99Ms, 1)} | ${fmt(r[k].delivered)} / ${fmt(r[k].sent)} |`),
  '',
  "Peak RSS is the process's (`resourceUsage().maxRSS`), which includes the benchmark's own generated events; RSS added is the peak sampled every 10 ms during the run minus the RSS when it started. Sluice's producer sends as fast as it can and waits when send() throws BackpressureError; `-lean` is the same with maxPendingBytes 32 MiB instead of the default 256 MiB.",
  '',
  `Event loop while a ${fmt(r['eventloop-100mb'].batchMb)} MB batch is serialized and uploaded: max ${fmt(r['eventloop-100mb'].loopMaxMs, 1)} ms, p99 ${fmt(r['eventloop-100mb'].loopP99Ms, 1)} ms (${fmt(r['eventloop-100mb'].flushSeconds, 2)} s).`,
  '',
  `Memory, ${r['memory-10min-100dest'].minutes} simulated minutes × ${r['memory-10min-100dest'].destinations} destinations at ${fmt(r['memory-10min-100dest'].perSecond)} events/s offered, maxPendingBytes ${fmt(r['memory-10min-100dest'].maxPendingBytes / 1048576)} MiB (the producer waited on backpressure ${fmt(r['memory-10min-100dest'].backpressureWaits)} times): peak RSS ${fmt(r['memory-10min-100dest'].peakRssMb)} MB; RSS by minute ${r['memory-10min-100dest'].rssByMinuteMb.map((v) => fmt(v)).join(', ')} MB; events accepted and not yet delivered, by minute: ${r['memory-10min-100dest'].pendingEventsByMinute.map((v) => fmt(v)).join(', ')}.`,
  '',
  `Soak, ${r['soak-30min-new-prefixes'].minutes} simulated minutes × ${fmt(r['soak-30min-new-prefixes'].prefixes)} new prefixes a minute (forgetIdleRoutesAfterMs ${fmt(r['soak-30min-new-prefixes'].forgetIdleRoutesAfterMs)}): RSS after GC by minute ${r['soak-30min-new-prefixes'].rssByMinuteMb.map((v) => fmt(v)).join(', ')} MB; routes in health() by minute ${r['soak-30min-new-prefixes'].routesByMinute.map((v) => fmt(v)).join(', ')}.`,
  '',
  `A ${fmt(r['file-spool-1gb-batch'].batchBytes / 1e6)} MB batch recovered from the file spool and uploaded in one object: peak RSS ${fmt(r['file-spool-1gb-batch'].peakRssMB)} MB, ${fmt(r['file-spool-1gb-batch'].peakAboveBaselineMB)} MB above the process baseline, ${fmt(r['file-spool-1gb-batch'].uploadSeconds, 1)} s; ${fmt(r['file-spool-1gb-batch'].delivered)} of ${fmt(r['file-spool-1gb-batch'].lines)} lines read back.`,
  '',
  `Minutes at defaults. One destination, no cap: ${fmt(r['sluice-s3-defaults'].eventsPerSec)} events/s, peak RSS ${fmt(r['sluice-s3-defaults'].peakRssMb)} MB, RSS added ${fmt(r['sluice-s3-defaults'].rssAboveBaselineMb)} MB (the 8 MiB-capped run: ${fmt(s3.eventsPerSec)} events/s). A heavy minute of ${fmt(r['heavy-minute-file'].megabytes)} MB of fresh events: file spool ${fmt(r['heavy-minute-file'].eventsPerSec)} events/s, RSS added ${fmt(r['heavy-minute-file'].rssAddedMb)} MB (less the producer loop's own ${fmt(r['heavy-minute-producer-alone'].rssAddedMb)} MB: ${fmt(sluiceOwnRss('heavy-minute-file'))} MB), ${fmt(r['heavy-minute-file'].objects)} object(s), loop max ${fmt(r['heavy-minute-file'].loopMaxMs, 1)} ms, main thread ${fmt(r['heavy-minute-file'].mainThreadCpuSeconds, 1)} s and other threads ${fmt(r['heavy-minute-file'].otherThreadsCpuSeconds, 1)} s of CPU in ${fmt(r['heavy-minute-file'].seconds, 1)} s; memory spool ${fmt(r['heavy-minute-memory'].eventsPerSec)} events/s, RSS added ${fmt(r['heavy-minute-memory'].rssAddedMb)} MB (less the producer loop's: ${fmt(sluiceOwnRss('heavy-minute-memory'))} MB), ${fmt(r['heavy-minute-memory'].objects)} object(s), loop max ${fmt(r['heavy-minute-memory'].loopMaxMs, 1)} ms, main thread ${fmt(r['heavy-minute-memory'].mainThreadCpuSeconds, 1)} s and other threads ${fmt(r['heavy-minute-memory'].otherThreadsCpuSeconds, 1)} s of CPU in ${fmt(r['heavy-minute-memory'].seconds, 1)} s. ${fmt(r['open-destinations'].destinations)} open destinations: RSS added while open ${fmt(r['open-destinations'].rssAddedWhileOpenMb)} MB; ${fmt(r['open-destinations'].objectsPerSec)} objects/s at the flush (loop max ${fmt(r['open-destinations'].loopMaxMs, 1)} ms) against the server's ${fmt(r['open-destinations'].serverPutsPerSec)} PutObject/s alone (16 at once): ${fmt(r['open-destinations'].ratioToServer, 2)} ×.`,
  '',
  `The collector (\`sluice serve\`, file spool, s3rver behind it) under autocannon on loopback: NDJSON bodies of 1,000 events ${fmt(r.collector.ndjson1000.eventsPerSecond)} events/s (p50 ${fmt(r.collector.ndjson1000.p50Ms)} ms, p99 ${fmt(r.collector.ndjson1000.p99Ms)} ms, collector RSS ${fmt(r.collector.ndjson1000.collectorMaxRssMiB)} MiB, ${fmt(r.collector.ndjson1000.lost)} lost); one event per request ${fmt(r.collector.oneEventPerRequest.eventsPerSecond)} events/s (p50 ${fmt(r.collector.oneEventPerRequest.p50Ms)} ms, p99 ${fmt(r.collector.oneEventPerRequest.p99Ms)} ms, ${fmt(r.collector.oneEventPerRequest.lost)} lost), ${fmt(r.collector.oneEventPerRequest.ratioToBareNodeHttp, 2)} × a bare Node HTTP server's ${fmt(r.collector.bareNodeHttp.eventsPerSecond)} requests/s under the same load (a bare fastify server: ${fmt(r.collector.bareFastify.eventsPerSecond)}; both only read the body and answer 202 with an id).`,
  '',
  `Fleet mode (Redis Streams, ${fmt(r.fleet.shards)} shards, ${fmt(r.fleet.routes)} routes, ${fmt(r.fleet.events)} events of ${fmt(r.fleet.meanEventBytes)} bytes): one producer process appends ${fmt(r.fleet.producerEventsPerSec)} events/s (${fmt(r.fleet.producerMBPerSec, 1)} MB/s) into Redis; send() ${fmt(r.fleet.sendFleetNs)} ns in fleet mode against ${fmt(r.fleet.sendMemoryNs)} ns in memory mode (${fmt(r.fleet.sendFleetVsMemory, 2)} ×); end to end ${fmt(r.fleet.endToEnd1EventsPerSec)} events/s with 1 flusher process, ${fmt(r.fleet.endToEnd2EventsPerSec)} with 2 (2 s windows and 0.5 s grace included); Redis holds ${fmt(r.fleet.redisBytesPerPendingEvent)} bytes per pending event.`,
  '',
  '## Floors: the same work by a minimal hand-written pipeline, same run',
  '',
  'The floor (bench/floor.mjs) takes the same producer loop and does only the durable work the promise needs: each event stringified; with the file spool, each line written to a 0600 file in the call (no fsync); ~1 MiB writes into one gzip stream at level 6; one lib-storage Upload (8 MiB parts, 4 at once) of one object, waiting on gzip\'s drain. The producer loop alone hands its events to nothing.',
  '',
  '| scenario | events/s | × ceiling | loop max ms | loop p99 ms | producer turn max ms | main thread s | other threads s | S3 server s | RSS added MB | delivered / sent |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...[
    ['sluice-s3-defaults', 'defaults, Sluice'],
    ['defaults-floor', 'defaults, floor'],
    ['defaults-producer-alone', 'defaults, producer loop alone'],
    ['heavy-minute-memory', 'heavy minute memory, Sluice'],
    ['heavy-floor-memory', 'heavy minute memory, floor'],
    ['heavy-minute-file', 'heavy minute file, Sluice'],
    ['heavy-floor-file', 'heavy minute file, floor'],
    ['heavy-minute-producer-alone', 'heavy minute, producer loop alone'],
  ].map(([k, label]) => {
    const x = r[k];
    const perSec = x.eventsPerSec ?? (x.events ?? x.sent) / x.seconds;
    const rss = x.rssAddedMb ?? x.rssAboveBaselineMb;
    // The loops alone hand their events to nothing: a rate, not a shipper's to divide by the ceiling.
    return `| ${label} | ${fmt(perSec)} | ${k.startsWith('heavy') || k.endsWith('alone') ? '—' : fmt(perSec / ceilingBefore('defaults'), 2)} | ${fmt(x.loopMaxMs, 1)} | ${fmt(x.loopP99Ms, 1)} | ${fmt(x.producerTurnMaxMs, 1)} | ${fmt(x.mainThreadCpuSeconds, 1)} | ${fmt(x.otherThreadsCpuSeconds, 1)} | ${fmt(x.serverCpuSeconds, 1)} | ${fmt(rss)} | ${x.delivered === undefined ? '—' : `${fmt(x.delivered)} / ${fmt(x.sent)}`} |`;
  }),
  `| flush of ${fmt(r['open-destinations'].destinations)} destinations, Sluice | ${fmt(r['open-destinations'].objectsPerSec)} objects/s | — | ${fmt(r['open-destinations'].loopMaxMs, 1)} | ${fmt(r['open-destinations'].loopP99Ms, 1)} | — | ${fmt(r['open-destinations'].mainThreadCpuSeconds, 1)} | ${fmt(r['open-destinations'].otherThreadsCpuSeconds, 1)} | ${fmt(r['open-destinations'].serverFlushCpuSeconds, 1)} | — | — |`,
  `| as many small PutObjects by the SDK alone, 16 at once | ${fmt(r['open-destinations'].serverPutsPerSec)} objects/s | — | ${fmt(r['open-destinations'].serverPutsLoopMaxMs, 1)} | ${fmt(r['open-destinations'].serverPutsLoopP99Ms, 1)} | — | — | — | — | — | — |`,
  '',
  `Two cores for defaults, per event, measured in this run: stringify ${fmt(twoCores.stringifyUs, 2)} µs + gzip level 6 ${fmt(twoCores.gzipUs, 2)} µs (the ceiling just before defaults) + SHA-256 of the compressed bytes ${fmt(twoCores.sha256Us, 2)} µs + the producer loop alone ${fmt(twoCores.producerUs, 2)} µs + the S3 server ${fmt(twoCores.serverUs, 2)} µs = ${fmt(twoCores.unavoidableUs, 2)} µs that any shipper spends here. Two cores ÷ that: at most ${fmt(twoCores.upperBoundEventsPerSec)} events/s, ${fmt(twoCores.upperBoundXCeiling, 2)} × the ceiling. At 1.5 × the ceiling each event gets ${fmt(2e6 / (1.5 * ceilingBefore('defaults')), 2)} µs of two cores, leaving ${fmt(twoCores.budgetAt15Us, 2)} µs for a shipper's own work; beyond the same parts, Sluice spent ${fmt(twoCores.sluiceOwnUs, 2)} µs per event of its process's CPU, the floor ${fmt(twoCores.floorOwnUs, 2)} µs. (The ceiling is timed by the wall clock, so these parts hold on a quiet machine; on a loaded one they come out inflated.)`,
  '',
  '## Where the time went',
  '',
  'CPU seconds over each run, from /proc: the contender\'s main thread; its other threads (libuv\'s threadpool, where zlib compresses and files are written, and V8\'s garbage-collector and compiler helpers); the S3 server\'s process. Two cores are shared by all three (and by anything else running on the machine).',
  '',
  '| scenario | wall s | main thread s | other threads s | S3 server s |',
  '| --- | --- | --- | --- | --- |',
  ...['sluice-s3-level6', 'sluice-s3-level1', 'sluice-s3-level6-lean', 'sluice-s3-defaults', 'defaults-floor', 'eventloop-100mb', 'heavy-minute-memory', 'heavy-floor-memory', 'heavy-minute-file', 'heavy-floor-file', 'open-destinations', ...peers]
    .filter((k) => r[k] && !r[k].crashed)
    .map((k) => `| ${k}${k === 'open-destinations' ? ' (the flush)' : ''} | ${fmt(r[k].seconds ?? r[k].flushSeconds, 1)} | ${fmt(r[k].mainThreadCpuSeconds, 1)} | ${fmt(r[k].otherThreadsCpuSeconds, 1)} | ${fmt(r[k].serverCpuSeconds ?? r[k].serverFlushCpuSeconds, 1)} |`),
  '',
  'The collector, CPU per accepted event over its load (µs, user + system): its main thread (the event loop: HTTP, the scan of each line, the spool write); its other threads (libuv\'s threadpool: gzip, fsync, deleting delivered batches; V8\'s helpers); the S3 server\'s process; the load tool (autocannon, in the bench\'s process).',
  '',
  '| collector scenario | events/s | main thread µs | other threads µs | S3 server µs | autocannon µs |',
  '| --- | --- | --- | --- | --- | --- |',
  ...[
    ['NDJSON bodies of 1,000 events', r.collector.ndjson1000],
    ['one JSON event per request', r.collector.oneEventPerRequest],
    ['the ceiling: a bare Node HTTP server, same one-event load', r.collector.bareNodeHttp],
    ['the ceiling: a bare fastify server, same one-event load', r.collector.bareFastify],
  ].map(
    ([name, c]) => `| ${name} | ${fmt(c.eventsPerSecond)} | ${fmt(c.collectorMainThreadCpuMicrosPerEvent, 1)} | ${fmt(c.collectorOtherThreadsCpuMicrosPerEvent, 1)} | ${fmt(c.s3ServerCpuMicrosPerEvent, 1)} | ${fmt(c.autocannonCpuMicrosPerEvent, 1)} |`,
  ),
  '',
  '## Targets',
  '',
  '| target | measured | met |',
  '| --- | --- | --- |',
  ...targets.map((t) => `| ${t.target} | ${fmt(t.value, 2)} | ${t.met ? 'yes' : `no (${fmt(t.bound === 0 ? 0 : t.value / t.bound, 2)} × the bound)`} |`),
  '',
].join('\n');

await mkdir(args.out, { recursive: true });
await writeFile(path.join(args.out, 'report.json'), JSON.stringify({ events: N, smoke, results, targets }, null, 2));
await writeFile(path.join(args.out, 'report.md'), md);
console.log(md);
if (failures.length > 0) {
  console.error(`\nNot every event was delivered:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`every Sluice scenario's events verified delivered; report in ${args.out}/report.{md,json}`);
