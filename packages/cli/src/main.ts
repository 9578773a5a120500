import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SluiceError } from '@sluice/core';
import type { CliIo } from './commands/CliIo.js';
import { CommandError } from './commands/CommandError.js';
import { deadLettersCommand, replayCommand } from './commands/deadLettersCommand.js';
import { EXIT } from './commands/exitCodes.js';
import { type FleetArgs, fleetDeadLettersCommand, fleetReplayCommand } from './commands/fleetDeadLettersCommand.js';
import { flusherCommand } from './commands/flusherCommand.js';
import { policyFor } from './commands/policyCommand.js';
import { serveCommand, type SignalSource } from './commands/serveCommand.js';
import { USAGE } from './commands/usage.js';
import { verifyCommand } from './commands/verifyCommand.js';

/** The fleet's dead letters instead of a spool's. */
const FLEET_FLAGS = { redis: { type: 'string' }, shards: { type: 'string' }, 'key-prefix': { type: 'string' }, cluster: { type: 'boolean' } } as const;

const OPTIONS: Record<string, NonNullable<ParseArgsConfig['options']>> = {
  flusher: { config: { type: 'string', short: 'c' }, 'print-config': { type: 'boolean' } },
  serve: { config: { type: 'string', short: 'c' }, host: { type: 'string' }, port: { type: 'string', short: 'p' }, 'print-config': { type: 'boolean' } },
  policy: { bucket: { type: 'string' }, principal: { type: 'string' }, prefix: { type: 'string' } },
  verify: {
    bucket: { type: 'string' },
    prefix: { type: 'string' },
    config: { type: 'string', short: 'c' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    acl: { type: 'string' },
    principal: { type: 'string' },
  },
  'dead-letters': { spool: { type: 'string' }, config: { type: 'string', short: 'c' }, ...FLEET_FLAGS },
  replay: { spool: { type: 'string' }, config: { type: 'string', short: 'c' }, id: { type: 'string', multiple: true }, ...FLEET_FLAGS },
};

/**
 * The `sluice` command without touching the process: parses `argv` (the arguments after the
 * program name), runs the command, writes to `io`, resolves with the exit code (see EXIT).
 * Errors are reported as one message, never a stack trace, except for bugs.
 */
export async function main(argv: readonly string[], io: CliIo, signals?: SignalSource): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout).write(`${USAGE.main}\n`);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === 'help') {
    const topic = rest[0] ?? 'main';
    if (!USAGE[topic]) return usageError(`unknown command "${topic}"`, 'main', io);
    io.stdout.write(`${USAGE[topic]}\n`);
    return EXIT.ok;
  }
  const options = OPTIONS[command];
  if (!options) return usageError(`unknown command "${command}"`, 'main', io);
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    const parsed = parseArgs({ args: rest, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    values = parsed.values;
  } catch (error) {
    return usageError((error as Error).message, command, io);
  }
  if (values.help) {
    io.stdout.write(`${USAGE[command]}\n`);
    return EXIT.ok;
  }
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(values, io, signals);
      case 'flusher':
        return await flusherCommand(values, io, signals);
      case 'policy': {
        if (!values.bucket || !values.principal) return usageError('--bucket and --principal are required', command, io);
        io.stdout.write(`${JSON.stringify(policyFor(values.bucket as string, values.principal as string, values.prefix as string | undefined), null, 2)}\n`);
        return EXIT.ok;
      }
      case 'verify':
        return await verifyCommand(values, io);
      case 'dead-letters':
        return values.redis === undefined ? deadLettersCommand(values, io) : await fleetDeadLettersCommand(fleetArgs(values), io);
      default:
        return values.redis === undefined ? replayCommand(values, io) : await fleetReplayCommand(fleetArgs(values), io);
    }
  } catch (error) {
    if (error instanceof CommandError) {
      io.stderr.write(`sluice ${command}: ${error.message}\n`);
      if (error.exitCode === EXIT.usage && /^--|required/.test(error.message)) io.stderr.write(`\n${USAGE[command]}\n`);
      return error.exitCode;
    }
    if (error instanceof SluiceError) {
      io.stderr.write(`sluice ${command}: ${error.message} [${error.code}]\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

/** The fleet flags, alone: a spool flag with --redis is a mistake worth naming. */
function fleetArgs(values: Record<string, string | boolean | string[] | undefined>): FleetArgs {
  if (values.spool !== undefined || values.config !== undefined) throw new CommandError('--redis lists the fleet\'s dead letters: give it without --spool or --config', EXIT.usage);
  return values;
}

function usageError(problem: string, command: string, io: CliIo): number {
  io.stderr.write(`sluice: ${problem}\n\n${USAGE[command] ?? USAGE.main}\n`);
  return EXIT.usage;
}
