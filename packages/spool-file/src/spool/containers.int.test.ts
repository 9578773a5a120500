import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';

const packageRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const holder = path.join(packageRoot, 'test-support/holdSpool.mjs');
// The children run the built package: no TypeScript loader runs inside a fresh PID namespace.
const built = fs.existsSync(path.join(packageRoot, 'dist/index.js'));
const unshare = spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;
const why = !built ? 'dist/ is missing: run `npm run build` first' : 'unshare --pid is not permitted here (needs root or user namespaces)';

interface Report {
  pid: number;
  held?: boolean;
  code?: string;
  message?: string;
}

/** Starts holdSpool.mjs as PID 1 of a new PID namespace; resolves with its report and the child. */
function inContainer(directory: string) {
  const child = spawn('unshare', ['--pid', '--fork', process.execPath, holder, directory], { stdio: ['pipe', 'pipe', 'inherit'] });
  const report = new Promise<Report>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string) as Report);
    });
    child.on('exit', (code) => reject(new Error(`holdSpool exited with ${code} before reporting`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { report, stop: () => (child.stdin.end(), exited) };
}

describe.skipIf(!built || !unshare)(`the spool lock across PID namespaces${!built || !unshare ? ` (skipped: ${why})` : ''}`, () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('refuses a second process that is PID 1 of another namespace, saying who holds the folder', async () => {
    const { directory, remove } = temporarySpoolDirectory();
    cleanups.push(remove);
    const first = inContainer(directory);
    cleanups.push(first.stop);
    expect(await first.report).toEqual({ pid: 1, held: true });

    const second = inContainer(directory);
    cleanups.push(second.stop);
    const refused = await second.report;
    expect(refused.pid).toBe(1);
    expect(refused.code).toBe('SLUICE_SPOOL_LOCKED');
    expect(refused.message).toContain(`The spool folder ${directory} is in use by process 1 in another PID namespace (container) on this host`);
    expect(refused.message).toContain('Give each process its own folder');
  });

  it('lets the next process take the folder once the holder released it', async () => {
    const { directory, remove } = temporarySpoolDirectory();
    cleanups.push(remove);
    const first = inContainer(directory);
    expect(await first.report).toEqual({ pid: 1, held: true });
    await first.stop();
    const second = inContainer(directory);
    cleanups.push(second.stop);
    expect(await second.report).toEqual({ pid: 1, held: true });
  });
});
