// Sluice and its floor (floor.mjs) back to back, alternating, on one S3 server, each run in a
// process of its own, so both meet the same load on a shared machine:
//   node bench/floor-pairs.mjs [--pairs 2] [--megabytes 1024] [--events 1000000] [--only heavy-file,heavy-memory,defaults]
//     [--file-writes send|turn] [--turns]
// Prints one JSON line per run (the scenario's own line, with the S3 server's CPU seconds over it).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adminClient, countLines } from './bucket.mjs';
import { processCpuSeconds } from './cpu.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '2' },
    megabytes: { type: 'string', default: '1024' },
    events: { type: 'string', default: '1000000' },
    only: { type: 'string', default: 'heavy-file,heavy-memory,defaults' },
    'file-writes': { type: 'string', default: 'send' },
    // Records the long producer turns (turns.mjs): CPU, waiting for a core, GC; for defaults
    // every long gap of the event loop too.
    turns: { type: 'boolean', default: false },
  },
});

function runNode(script, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-deprecation', '--no-warnings', path.join(here, script), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${script} ${argv[0]} exited with ${code}`))));
  });
}

const child = spawn(process.execPath, ['--no-warnings', path.join(here, 's3server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const { port } = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));
const endpoint = `http://127.0.0.1:${port}`;
const megabytes = Number(args.megabytes);
const events = Number(args.events);
const turns = args.turns;
const runs = {
  'heavy-file': [
    ['minutes.mjs', 'heavy', { endpoint, megabytes, spool: 'file', turns }],
    ['minutes.mjs', 'heavy-floor', { endpoint, megabytes, spool: 'file', fileWrites: args['file-writes'], turns }],
  ],
  'heavy-memory': [
    ['minutes.mjs', 'heavy', { endpoint, megabytes, spool: 'memory', turns }],
    ['minutes.mjs', 'heavy-floor', { endpoint, megabytes, spool: 'memory', turns }],
  ],
  defaults: [
    ['scenarios.mjs', 'sluice', { events, level: 6, endpoint, prefix: 'defaults/', maxBytes: 0, turns }],
    ['scenarios.mjs', 'defaults-floor', { events, endpoint, turns }],
  ],
  // Defaults with one compression job at a time, never a second while the main thread looks idle.
  'defaults-one-slot': [
    ['scenarios.mjs', 'sluice', { events, level: 6, endpoint, prefix: 'defaults/', maxBytes: 0, compressionConcurrency: 1, turns }],
    ['scenarios.mjs', 'defaults-floor', { events, endpoint, turns }],
  ],
};
try {
  for (const which of args.only.split(',')) {
    for (let pair = 0; pair < Number(args.pairs); pair += 1) {
      // Which of the two goes first alternates from pair to pair.
      const order = pair % 2 === 0 ? runs[which] : [...runs[which]].reverse();
      for (const [script, name, options] of order) {
        const before = processCpuSeconds(child.pid);
        // A prefix of its own per run, so each run reads back only its own objects.
        const prefix = `${which}-${name}-${pair}`;
        const result = await runNode(script, [name, JSON.stringify({ ...options, prefix: script === 'scenarios.mjs' ? `${prefix}/` : prefix })]);
        const serverCpuSeconds = processCpuSeconds(child.pid) - before;
        if (result.delivered === undefined && result.prefix) {
          const client = adminClient(endpoint);
          result.delivered = (await countLines(client, result.prefix)).lines;
          client.destroy();
        }
        process.stdout.write(`${JSON.stringify({ which, pair, ...result, serverCpuSeconds })}\n`);
      }
    }
  }
} finally {
  await new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });
}
