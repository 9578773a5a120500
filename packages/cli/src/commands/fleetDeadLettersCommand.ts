import { ValidationError } from '@sluice/core';
import { FleetDeadLetters, parseFleetOptions } from '@sluice/redis';
import { ProgressBar } from '../terminal/ProgressBar.js';
import type { CliIo } from './CliIo.js';
import { CommandError } from './CommandError.js';
import { EXIT } from './exitCodes.js';

export interface FleetArgs {
  readonly redis?: string;
  readonly shards?: string;
  readonly 'key-prefix'?: string;
  readonly cluster?: boolean;
  readonly id?: readonly string[];
}

/** Opens the fleet's dead letters from the flags, checked as fleetModule() checks its options. */
async function openFleet(args: FleetArgs): Promise<FleetDeadLetters> {
  const shards = args.shards === undefined ? undefined : Number(args.shards);
  let options;
  try {
    options = parseFleetOptions({
      url: args.redis ?? '',
      ...(shards === undefined ? {} : { shards }),
      ...(args['key-prefix'] === undefined ? {} : { keyPrefix: args['key-prefix'] }),
      cluster: args.cluster === true,
    });
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandError(`${error.message} (from --redis, --shards, --key-prefix)`, EXIT.usage);
    throw error;
  }
  return FleetDeadLetters.open(options);
}

/** Text from Redis (routes come from senders, messages from the destination) shown without control characters. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function flags(args: FleetArgs, url: string): string {
  const extra = [args.shards === undefined ? '' : ` --shards ${args.shards}`, args['key-prefix'] === undefined ? '' : ` --key-prefix ${args['key-prefix']}`, args.cluster ? ' --cluster' : ''];
  return `--redis ${url}${extra.join('')}`;
}

/** `sluice dead-letters --redis`: the fleet's dead letters, one line each, with their reasons. */
export async function fleetDeadLettersCommand(args: FleetArgs, io: CliIo): Promise<number> {
  const fleet = await openFleet(args);
  try {
    const letters = await fleet.list();
    const out = (line: string) => io.stdout.write(`${line}\n`);
    out(`${letters.length} dead letter(s) in the fleet at ${fleet.url}`);
    for (const d of letters) {
      out(
        `  ${d.identifier}  ${printable(d.route)}  ${d.bytes} bytes  ${printable(d.reason.code)}: ${printable(d.reason.message)} (${d.reason.attempts} attempts, last ${new Date(d.reason.at).toISOString()})  shard ${d.shard}, ${d.events} events, key ${printable(d.key)}`,
      );
    }
    if (letters.length > 0) out(`Replay them with: sluice replay ${flags(args, fleet.url)}`);
    return letters.length > 0 ? EXIT.attention : EXIT.ok;
  } finally {
    fleet.close();
  }
}

/** `sluice replay --redis`: appends dead letters (all, or those named) back to their shards' streams, each once. */
export async function fleetReplayCommand(args: FleetArgs, io: CliIo): Promise<number> {
  const fleet = await openFleet(args);
  try {
    const chosen = (await fleet.list()).filter((d) => !args.id || args.id.includes(d.identifier));
    const missing = (args.id ?? []).filter((id) => !chosen.some((d) => d.identifier === id));
    const bar = new ProgressBar(io.stdout, chosen.length, 'dead letters replayed');
    let replayed = 0;
    for (const d of chosen) {
      // Another replay may have taken it since the listing: the script appends it only if it is still there.
      if (!(await fleet.replay(d))) continue;
      replayed += 1;
      bar.tick([`replayed ${d.identifier}  ${printable(d.route)}  ${d.bytes} bytes`]);
    }
    bar.finish();
    io.stdout.write(`${replayed} dead letter(s) appended back to their shards; each shard's owner delivers them as late objects of their windows.\n`);
    if (missing.length > 0) {
      io.stderr.write(`sluice: no dead letter ${missing.map(printable).join(', ')} in the fleet at ${fleet.url}\n`);
      return EXIT.failed;
    }
    return EXIT.ok;
  } finally {
    fleet.close();
  }
}
