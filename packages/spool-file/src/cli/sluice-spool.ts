#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { listSpool, replayDeadLetters } from './deadLetterFiles.js';

const usage = `Usage:
  sluice-spool list   --dir <spool folder>                 pending batches and dead letters, with reasons
  sluice-spool replay --dir <spool folder> [--id <id>...]  move dead letters back to pending;
                                                           the next start on the folder delivers them`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string' }, id: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
});
const [command] = positionals;
if (values.help || !command || !values.dir || !['list', 'replay'].includes(command)) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}

if (command === 'list') {
  const { pending, dead } = listSpool(values.dir);
  process.stdout.write(`${pending.length} pending batch(es)\n`);
  for (const b of pending) process.stdout.write(`  ${b.identifier}  ${b.route}  ${b.bytes} bytes\n`);
  process.stdout.write(`${dead.length} dead letter(s)\n`);
  for (const d of dead) {
    process.stdout.write(`  ${d.identifier}  ${d.route}  ${d.bytes} bytes  ${d.reason.code}: ${d.reason.message} (after ${d.reason.attempts} attempts)\n`);
  }
} else {
  const moved = replayDeadLetters(values.dir, values.id);
  process.stdout.write(`${moved.length} dead letter(s) moved back to pending; they are delivered when a sluice next starts on ${values.dir}\n`);
}
