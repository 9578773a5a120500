import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly directory: string;
  readonly pid: number;
  /** Runs redis-cli against it and returns its output. */
  cli(...args: string[]): string;
  /** Stops it by PID (SIGTERM: an AOF is fsynced first; SIGKILL with `kill`), keeping its folder. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. ['--appendonly', 'yes', '--appendfsync', 'always']. */
  readonly args?: readonly string[];
  readonly port?: number;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts the Debian `redis-server` on 127.0.0.1 on a free port, with its files in a temporary
 * folder, and resolves once it answers PING. Fails with a clear message if redis-server is not
 * installed: a test that needs it must not pass without it.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed (apt-get install redis-server redis-tools): the fleet-mode tests need a real Redis.');
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'sluice-redis-'));
  const port = options.port ?? (await freePort());
  let child: ReturnType<typeof spawn> | undefined;
  const cli = (...args: string[]): string => {
    const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });
    return `${result.stdout}${result.stderr}`.trim();
  };
  const launch = async (): Promise<void> => {
    const started = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--dir', directory, '--save', '', '--protected-mode', 'yes', ...(options.args ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    let output = '';
    started.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    started.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const exited = once(started, 'exit').then(() => {
      throw new Error(`redis-server exited at start: ${output}`);
    });
    const ready = new Promise<void>((resolve) => {
      const check = (): void => {
        if (output.includes('Ready to accept connections')) resolve();
        else started.stdout.once('data', check);
      };
      check();
    });
    await Promise.race([ready, exited]);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    process.kill(running.pid as number, signal);
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    directory,
    get pid() {
      return child?.pid as number;
    },
    cli,
    stop,
    restart: launch,
    async close() {
      await stop('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
