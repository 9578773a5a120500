import path from 'node:path';
import { listSpool, replayDeadLetters } from '@sluice/spool-file';
import { ProgressBar } from '../terminal/ProgressBar.js';
import type { CliIo } from './CliIo.js';
import { CommandError } from './CommandError.js';
import { EXIT } from './exitCodes.js';
import { configFile, readConfig } from './readConfig.js';

export interface SpoolArgs {
  readonly spool?: string;
  readonly config?: string;
  readonly id?: readonly string[];
}

function spoolDirectory(args: SpoolArgs, io: CliIo): string {
  if (args.spool) return path.resolve(io.cwd, args.spool);
  const file = configFile(args.config, io);
  if (!file) throw new CommandError('--spool <folder> or --config <file> is required', EXIT.usage);
  const { spool } = readConfig(file, io);
  if (spool.type !== 'file') throw new CommandError(`${file} configures a memory spool: it keeps no dead letters on disk`, EXIT.usage);
  return path.resolve(io.cwd, spool.directory ?? '.sluice/spool');
}

/** `sluice dead-letters`: the spool's dead letters with their reasons. */
export function deadLettersCommand(args: SpoolArgs, io: CliIo): number {
  const directory = spoolDirectory(args, io);
  const { pending, dead, quarantined, unreadable } = listSpool(directory);
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`${dead.length} dead letter(s) in ${directory}`);
  for (const d of dead) {
    out(`  ${d.identifier}  ${d.route}  ${d.bytes} bytes  ${d.reason.code}: ${d.reason.message} (${d.reason.attempts} attempts, last ${new Date(d.reason.at).toISOString()})`);
  }
  out(`${pending.length} pending batch(es)`);
  if (quarantined.length + unreadable.length > 0) {
    out(`${quarantined.length + unreadable.length} unreadable or quarantined file(s): see sluice-spool list --dir ${directory}`);
  }
  if (dead.length > 0) out(`Replay them with: sluice replay --spool ${directory}`);
  return dead.length + quarantined.length + unreadable.length > 0 ? EXIT.attention : EXIT.ok;
}

/** `sluice replay`: moves dead letters back to pending, with progress. */
export function replayCommand(args: SpoolArgs, io: CliIo): number {
  const directory = spoolDirectory(args, io);
  const dead = listSpool(directory).dead.filter((d) => !args.id || args.id.includes(d.identifier));
  const missing = (args.id ?? []).filter((id) => !dead.some((d) => d.identifier === id));
  const bar = new ProgressBar(io.stdout, dead.length, 'dead letters replayed');
  const byId = new Map(dead.map((d) => [d.identifier, d]));
  const moved = replayDeadLetters(
    directory,
    dead.map((d) => d.identifier),
    {
      onProgress: (identifier) => {
        const d = byId.get(identifier);
        bar.tick([`replayed ${identifier}  ${d?.route ?? ''}  ${d?.bytes ?? 0} bytes`]);
      },
    },
  ).length;
  bar.finish();
  io.stdout.write(`${moved} dead letter(s) moved back to pending; the next 'sluice serve' on ${directory} delivers them.\n`);
  if (missing.length > 0) {
    io.stderr.write(`sluice: no dead letter ${missing.join(', ')} in ${directory}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
