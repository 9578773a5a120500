import { spawn } from 'node:child_process';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type TestS3Server } from '../../../s3/test-support/s3Server.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';

const producer = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-support/producer.mjs');

/** Runs the producer; kills it with SIGKILL after `killAfterMs` (or waits for it with --finish). Returns the ids it reported. */
function run(endpoint: string, directory: string, first: number, killAfterMs?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', producer, endpoint, directory, String(first), ...(killAfterMs ? [] : ['--finish'])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = killAfterMs ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : undefined;
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!killAfterMs && code !== 0) return reject(new Error(`producer exited with ${code}: ${err}`));
      if (killAfterMs && signal !== 'SIGKILL') return reject(new Error(`producer ended by itself (${code}): ${err}`));
      // Only complete lines: the kill may cut the last one.
      resolve(out.split('\n').slice(0, -1));
    });
  });
}

describe('crash recovery with the file spool', () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server(['crash']);
  });
  afterAll(() => s3.close());

  it('delivers every event whose send() returned exactly once, across repeated kill -9 and restarts', async () => {
    const { directory, remove } = temporarySpoolDirectory();
    try {
      const reported: string[] = [];
      // Random kill times, from "before the first upload" to "during several uploads"; each run
      // numbers its events from its own range (a killed run may have sent ids it never reported).
      const killTimes = Array.from({ length: 5 }, () => 250 + Math.round(Math.random() * 1_100));
      for (const [index, killAfterMs] of killTimes.entries()) {
        reported.push(...(await run(s3.endpoint, directory, index * 10_000_000, killAfterMs)));
      }
      await run(s3.endpoint, directory, 0);

      const seen = new Map<string, number>();
      for (const key of await s3.keys('crash', 'events/')) {
        const lines = gunzipSync((await s3.get('crash', key)).body).toString('utf8').trimEnd().split('\n');
        for (const line of lines) {
          const { id } = JSON.parse(line) as { id: string };
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      }
      expect(reported.length).toBeGreaterThan(1_000);
      expect(reported.filter((id) => seen.get(id) !== 1), `killed after ${killTimes.join(', ')} ms`).toEqual([]);
      expect([...seen.values()].filter((n) => n !== 1)).toEqual([]);
      expect(await s3.openUploads('crash')).toEqual([]);
    } finally {
      remove();
    }
  });
});
