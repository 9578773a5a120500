import { parseArgs } from 'node:util';
import { SluiceError } from '@sluice/core';
import { listSpool } from './listSpool.js';
import { replayDeadLetters } from './replayDeadLetters.js';

/** Exit codes of `sluice-spool`. */
export const EXIT = { ok: 0, failed: 1, usage: 2, attention: 3 } as const;

export const USAGE = `Usage:
  sluice-spool list   --dir <spool folder>                 pending batches, dead letters with reasons,
                                                           quarantined and unreadable files
  sluice-spool replay --dir <spool folder> [--id <id>...]  move dead letters back to pending;
                                                           the next start on the folder delivers them
  sluice-spool --help

Exit codes:
  0  done
  1  the folder is not a spool folder, or a file operation failed (the message says which)
  2  wrong usage (unknown command or option, missing --dir)
  3  list: the folder holds quarantined or unreadable files that need a person`;

/** Where the command writes. */
export interface CliOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * The `sluice-spool` command, without touching the process: parses `argv` (the arguments
 * after the program name), writes to `out`, returns the exit code. Never throws and never
 * prints a stack trace: errors are reported as one message.
 */
export function main(argv: readonly string[], out: CliOutput): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { dir: { type: 'string' }, id: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    out.stderr.write(`sluice-spool: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    out.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const [command, ...extra] = positionals;
  const problem =
    command === undefined
      ? 'no command given'
      : !['list', 'replay'].includes(command)
        ? `unknown command "${command}"`
        : extra.length > 0
          ? `unexpected argument "${extra[0]}"`
          : values.dir === undefined
            ? '--dir <spool folder> is required'
            : undefined;
  if (problem || values.dir === undefined) {
    out.stderr.write(`sluice-spool: ${problem}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    return command === 'list' ? list(values.dir, out) : replay(values.dir, values.id, out);
  } catch (error) {
    const message = error instanceof SluiceError ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error);
    out.stderr.write(`sluice-spool: ${message}\n`);
    return EXIT.failed;
  }
}

function list(directory: string, out: CliOutput): number {
  const { pending, dead, quarantined, unreadable } = listSpool(directory);
  const write = (line: string) => out.stdout.write(`${line}\n`);
  write(`${pending.length} pending batch(es)`);
  for (const b of pending) write(`  ${b.identifier}  ${b.route}  ${b.bytes} bytes`);
  write(`${dead.length} dead letter(s)`);
  for (const d of dead) write(`  ${d.identifier}  ${d.route}  ${d.bytes} bytes  ${d.reason.code}: ${d.reason.message} (after ${d.reason.attempts} attempts)`);
  if (quarantined.length > 0) {
    write(`${quarantined.length} quarantined batch(es) in ${directory}/quarantine (unreadable at a start; inspect, repair and move back to batches/, or delete)`);
    for (const q of quarantined) write(`  ${q.identifier}  ${q.problem}`);
  }
  if (unreadable.length > 0) {
    write(`${unreadable.length} unreadable file(s) (the next start moves them to quarantine/)`);
    for (const u of unreadable) write(`  ${u.file}: ${u.problem}`);
  }
  return quarantined.length + unreadable.length > 0 ? EXIT.attention : EXIT.ok;
}

function replay(directory: string, identifiers: readonly string[] | undefined, out: CliOutput): number {
  const moved = replayDeadLetters(directory, identifiers);
  out.stdout.write(`${moved.length} dead letter(s) moved back to pending; they are delivered when a sluice next starts on ${directory}\n`);
  const missing = (identifiers ?? []).filter((id) => !moved.includes(id));
  if (missing.length > 0) {
    out.stderr.write(`sluice-spool: no dead letter ${missing.join(', ')} in ${directory}/dead-letter\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
