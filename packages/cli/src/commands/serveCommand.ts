import path from 'node:path';
import { SpoolError, ValidationError } from '@sluice/core';
import { Collector } from '../collector/Collector.js';
import { isLoopback } from '../collector/bearerAuth.js';
import { parseCollectorConfig, type CollectorConfig } from '../config.js';
import { maskSecrets } from '../config/maskSecrets.js';
import { EMBEDDED_S3_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../demo/startEmbeddedS3.js';
import type { CliIo } from './CliIo.js';
import { CommandError } from './CommandError.js';
import { EXIT } from './exitCodes.js';
import { configFile, readConfig } from './readConfig.js';

export interface ServeArgs {
  readonly config?: string;
  readonly host?: string;
  readonly port?: string;
  readonly 'print-config'?: boolean;
}

/** Where serve waits for its stop signals; the process by default. */
export interface SignalSource {
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/** The demo's bucket in the embedded S3 server. */
export const DEMO_BUCKET = 'demo-events';

/**
 * `sluice serve`: validates the config, starts the collector, prints where it listens, and on
 * SIGTERM or SIGINT shuts it down gracefully. Resolves with the exit code once shut down.
 */
export async function serveCommand(args: ServeArgs, io: CliIo, signals: SignalSource = process): Promise<number> {
  const file = configFile(args.config, io);
  const demo = file === undefined;
  const demoRoot = path.join(io.cwd, '.sluice-demo');
  let config: CollectorConfig = file ? readConfig(file, io) : demoConfig(demoRoot, 'http://127.0.0.1:0');
  config = withOverrides(config, args);
  if (!config.auth.tokens.length && !isLoopbackHost(config.listen.host)) {
    throw new CommandError(
      `listen.host ${config.listen.host} is reachable from other machines and auth.tokens is empty: anyone who reaches the port could write to your bucket and read the events. Set auth.tokens (e.g. ["\${SLUICE_TOKEN}"]) or listen on 127.0.0.1.`,
      EXIT.usage,
    );
  }
  if (args['print-config']) {
    io.stdout.write(`${JSON.stringify(maskSecrets(config), null, 2)}\n`);
    if (demo) io.stdout.write('(demo: no config file; s3.endpoint is the embedded test server, chosen when it starts)\n');
    return EXIT.ok;
  }

  let s3: EmbeddedS3 | undefined;
  let collector: Collector;
  try {
    if (demo) {
      s3 = await startEmbeddedS3(path.join(demoRoot, 's3'), [DEMO_BUCKET]);
      config = { ...config, s3: { ...config.s3, endpoint: s3.endpoint } };
    }
    collector = await Collector.start(config);
  } catch (error) {
    await s3?.close();
    if (error instanceof CommandError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CommandError(`${config.listen.host}:${config.listen.port} is in use: stop what listens there or choose another --port.`, EXIT.failed);
    if (error instanceof SpoolError) throw new CommandError(`${error.message} [${error.code}]`, EXIT.failed);
    if (error instanceof ValidationError) throw new CommandError(error.message, EXIT.usage);
    throw error;
  }

  const out = (line = '') => io.stdout.write(`${line}\n`);
  const auth = config.auth.tokens.length > 0 ? ' -H "Authorization: Bearer $SLUICE_TOKEN"' : '';
  const bucket = demo ? DEMO_BUCKET : 'YOUR-BUCKET';
  out(`sluice collector listening on ${collector.url}${demo ? ` (demo: embedded S3 at ${s3?.endpoint}, data in ${demoRoot})` : ''}`);
  out(`  inspector:  ${collector.url}/`);
  out(`  send:       curl${auth} -H 'content-type: application/json' -d '{"bucket":"${bucket}","prefix":"web","payload":{"hello":"world"}}' ${collector.url}/v1/events`);
  out(`  health:     ${collector.url}/healthz  ${collector.url}/readyz  ${collector.url}/metrics`);
  out(`  spool:      ${config.spool.type === 'file' ? path.resolve(io.cwd, config.spool.directory ?? '') : 'memory (a crash loses undelivered events)'}`);
  out('Objects are written when each minute ends. Ctrl-C or SIGTERM stops, delivering what is pending.');

  const signal = await new Promise<string>((resolve) => {
    signals.once('SIGTERM', () => resolve('SIGTERM'));
    signals.once('SIGINT', () => resolve('SIGINT'));
  });
  out(`${signal}: stopped accepting; delivering what is pending (at most ${config.shutdownTimeoutMs} ms)…`);
  const force = () => {
    io.stderr.write('sluice: second signal, exiting now; undelivered events stay in the spool.\n');
    process.exit(EXIT.failed);
  };
  signals.once('SIGTERM', force);
  signals.once('SIGINT', force);
  const report = await collector.close();
  await s3?.close();
  if (report.drained) {
    out('Shut down: every accepted event was delivered.');
    return EXIT.ok;
  }
  if (report.kept) {
    out(`Shut down: ${report.undeliveredEvents} event(s) not delivered in time stay in the spool; the next start delivers them.`);
    return EXIT.ok;
  }
  io.stderr.write(`sluice: ${report.undeliveredEvents} event(s) were not delivered in time and are lost (memory spool).\n`);
  return EXIT.lost;
}

/** The config of `sluice serve` without a config file: the embedded S3 server, data under .sluice-demo/. */
export function demoConfig(root: string, endpoint: string): CollectorConfig {
  return parseCollectorConfig({
    s3: { endpoint, forcePathStyle: true, credentials: { ...EMBEDDED_S3_CREDENTIALS } },
    spool: { directory: path.join(root, 'spool') },
    sluice: { logLevel: 'warn' },
  });
}

function withOverrides(config: CollectorConfig, args: ServeArgs): CollectorConfig {
  if (args.host === undefined && args.port === undefined) return config;
  const port = args.port === undefined ? config.listen.port : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommandError(`--port ${args.port} is not a port number (0 to 65535)`, EXIT.usage);
  return { ...config, listen: { host: args.host ?? config.listen.host, port } };
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopback(host);
}
