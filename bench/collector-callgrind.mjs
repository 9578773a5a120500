/* global fetch */
// The collector's main-thread instructions per NDJSON request, a count the load on the machine
// does not move (`node bench/collector-callgrind.mjs [--warm N] [--measured N]`, Linux with
// valgrind): collector-server.mjs runs under `valgrind --tool=callgrind` with instrumentation
// off, is sent N requests of 1,000 events one after the other to warm up, then instrumentation
// is switched on (callgrind_control) for N more. Prints one JSON line: the instructions of the
// main thread (the event loop) and of the other threads, per event of the measured requests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateEvents } from './events.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({ options: { warm: { type: 'string', default: '20' }, measured: { type: 'string', default: '20' } } });
const warm = Number(args.warm);
const measured = Number(args.measured);

/** Resolves with the first stdout line of `child` as JSON. */
function firstLine(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const s3 = spawn(process.execPath, [path.join(here, 's3server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], env });
const { port } = await firstLine(s3);
const work = await mkdtemp(path.join(tmpdir(), 'sluice-bench-callgrind-'));
const collector = spawn(
  'valgrind',
  ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${work}/callgrind.out.%p`, process.execPath, '--no-warnings', path.join(here, 'collector-server.mjs'), `http://127.0.0.1:${port}`, path.join(work, 'spool')],
  { stdio: ['ignore', 'pipe', 'ignore'], env },
);
const { url } = await firstLine(collector);
const body = generateEvents(1_000, 7)
  .map((payload) => JSON.stringify({ bucket: 'bench', prefix: 'collector-callgrind', payload }))
  .join('\n');

async function send(count) {
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    if (response.status !== 202) throw new Error(`answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
}

await send(warm);
process.stderr.write(execFileSync('callgrind_control', ['-i', 'on', String(collector.pid)]));
await send(measured);
execFileSync('callgrind_control', ['-i', 'off', String(collector.pid)], { stdio: 'ignore' });
await new Promise((resolve) => {
  collector.once('exit', resolve);
  collector.kill('SIGTERM');
});
s3.kill('SIGTERM');

// One file per thread (-01 is the main thread); "totals:" holds its instructions while instrumented.
let main = 0;
let others = 0;
for (const name of await readdir(work)) {
  if (!name.startsWith('callgrind.out.')) continue;
  const text = await readFile(path.join(work, name), 'utf8');
  const instructions = Number(/^totals: (\d+)/m.exec(text)?.[1] ?? 0);
  if (name.endsWith('-01')) main += instructions;
  else others += instructions;
}
if (!process.env.KEEP) await rm(work, { recursive: true, force: true });
else process.stderr.write(`${work}\n`);
const events = measured * 1_000;
process.stdout.write(`${JSON.stringify({ scenario: 'collector-callgrind', requests: measured, events, mainThreadInstructions: main, mainThreadInstructionsPerEvent: Math.round(main / events), otherThreadsInstructionsPerEvent: Math.round(others / events) })}\n`);
