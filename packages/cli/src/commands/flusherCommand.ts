import { createSluice, ValidationError, type Sluice } from '@sluice/core';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { fleetModule, parseFleetOptions, redactedUrl, type FleetOptions } from '@sluice/redis';
import { s3Module } from '@sluice/s3';
import { maskSecrets } from '../config/maskSecrets.js';
import type { CliIo } from './CliIo.js';
import { CommandError } from './CommandError.js';
import { EXIT } from './exitCodes.js';
import { configFile, readConfig } from './readConfig.js';
import type { SignalSource } from './serveCommand.js';

export interface FlusherArgs {
  readonly config?: string;
  readonly 'print-config'?: boolean;
}

/**
 * `sluice flusher`: a fleet-mode process that only uploads. It joins the fleet named by the
 * config's `fleet` section, owns the shards assigned to it and writes one object per
 * destination-window. On SIGTERM or SIGINT it stops its shard owners (an upload under way is
 * aborted, nothing is committed twice), releases its leases and leaves the members, so another
 * flusher takes its shards at its next heartbeat instead of after the lease time.
 */
export async function flusherCommand(args: FlusherArgs, io: CliIo, signals: SignalSource = process): Promise<number> {
  const file = configFile(args.config, io);
  if (file === undefined) throw new CommandError('--config is required (or a sluice.config.json in the working folder) with a "fleet" section', EXIT.usage);
  const config = readConfig(file, io);
  if (config.fleet === undefined) {
    throw new CommandError(`${file} has no "fleet" section: give at least {"fleet": {"url": "redis://host:6379"}}, with the same shards and keyPrefix as the producers.`, EXIT.usage);
  }
  let fleet: FleetOptions;
  try {
    fleet = parseFleetOptions({ ...config.fleet, role: 'flusher' });
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandError(error.message, EXIT.usage);
    throw error;
  }
  if (args['print-config']) {
    // Only what a flusher reads: the collector's sections do not apply.
    const { listen: _listen, auth: _auth, limits: _limits, spool: _spool, inspector: _inspector, shutdownTimeoutMs: _shutdown, ...used } = maskSecrets({ ...config, fleet });
    io.stdout.write(`${JSON.stringify(used, null, 2)}\n`);
    return EXIT.ok;
  }

  let sluice: Sluice;
  try {
    // The fleet's intake starts the flusher as the sluice is created: it joins the members and takes its shards.
    sluice = createSluice({
      ...config.sluice,
      handleSignals: false,
      drainOnExit: false,
      modules: [minuteBatcherModule(config.batch), s3Module(config.s3), fleetModule(fleet)],
    });
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandError(error.message, EXIT.usage);
    throw error;
  }
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  out(`sluice flusher: in the fleet at ${redactedUrl(fleet.url)} (keyPrefix ${fleet.keyPrefix}, ${fleet.shards} shards). SIGTERM or Ctrl-C releases its shards and exits.`);

  const signal = await new Promise<string>((resolve) => {
    signals.once('SIGTERM', () => resolve('SIGTERM'));
    signals.once('SIGINT', () => resolve('SIGINT'));
  });
  out(`${signal}: stopping the shard owners and releasing their leases…`);
  const force = (): void => {
    io.stderr.write('sluice flusher: second signal, exiting now; the leases expire after leaseMs and another flusher redoes the open uploads.\n');
    process.exit(EXIT.failed);
  };
  signals.once('SIGTERM', force);
  signals.once('SIGINT', force);
  await sluice.close();
  out('Shut down: leases released.');
  return EXIT.ok;
}
