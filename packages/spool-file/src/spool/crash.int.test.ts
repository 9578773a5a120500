import { spawn } from 'node:child_process';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, startS3Server, type TestS3Server } from '@sluice/test-support';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';

// Runs on the packages' build (dist), as an application would: `npm test` builds first.
const producer = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-support/producer.mjs');
const KILLS = 5;
/** Ids a run must report before it may be killed: each run sends as well as uploads. */
const IDS_BEFORE_KILL = 1_000;
const isPart = (method: string | undefined, url: string | undefined) => method === 'PUT' && /[?&]partNumber=/.test(url ?? '');

interface Run {
  /** Ids whose send() returned, as the producer reported them (complete lines only). */
  readonly reported: string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs the producer. With `killWhen`, kills it with SIGKILL as soon as it has reported
 * `IDS_BEFORE_KILL` ids and `killWhen()` holds (checked on every output and on `recheck`).
 */
function run(endpoint: string, directory: string, first: number, killWhen?: { holds(): boolean; onChange(check: () => void): void }): Promise<Run> {
  return new Promise((resolve) => {
    const args = [producer, endpoint, directory, String(first), ...(killWhen ? [] : ['--finish'])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lines = 0;
    const check = (): void => {
      if (killWhen && child.exitCode === null && !child.killed && lines >= IDS_BEFORE_KILL && killWhen.holds()) child.kill('SIGKILL');
    };
    killWhen?.onChange(check);
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      out += text;
      for (const c of text) if (c === '\n') lines += 1;
      check();
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code, signal) => resolve({ reported: out.split('\n').slice(0, -1), code, signal, stderr: err }));
  });
}

describe('crash recovery with the file spool', () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['crash']);
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });

  it('delivers every event whose send() returned exactly once, and leaves no multipart upload open, across kill -9 mid-upload and restarts', async () => {
    const { directory, remove } = temporarySpoolDirectory();
    try {
      const reported: string[] = [];
      for (let index = 0; index < KILLS; index += 1) {
        // Part bodies crawl through the proxy, so an upload is under way for seconds: the kill
        // comes once a part of this run has started and not yet been answered.
        let partsInProgress = 0;
        let recheck: () => void = () => {};
        proxy.setRule((req) => {
          if (!isPart(req.method, req.url)) return req.method === 'PUT' ? { bodyBytesPerSecond: 2_000_000 } : undefined;
          partsInProgress += 1;
          // 'close' comes once the body is in or the client is gone.
          req.once('close', () => (partsInProgress -= 1));
          recheck();
          return { bodyBytesPerSecond: 2_000_000 };
        });
        const killed = await run(proxy.endpoint, directory, index * 10_000_000, {
          holds: () => partsInProgress > 0,
          onChange: (check) => (recheck = check),
        });
        expect(killed.signal, `run ${index} ended by itself (${killed.code}): ${killed.stderr}`).toBe('SIGKILL');
        reported.push(...killed.reported);
      }
      // The kills left multipart uploads open; the next start must find and abort them.
      expect((await s3.openUploads('crash')).length).toBeGreaterThan(0);

      proxy.setRule(undefined);
      const finished = await run(proxy.endpoint, directory, 0);
      expect(finished.code, finished.stderr).toBe(0);

      const seen = new Map<string, number>();
      for (const key of await s3.keys('crash', 'events/')) {
        const lines = gunzipSync((await s3.get('crash', key)).body).toString('utf8').trimEnd().split('\n');
        for (const line of lines) {
          const { id } = JSON.parse(line) as { id: string };
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      }
      expect(reported.length).toBeGreaterThanOrEqual(KILLS * IDS_BEFORE_KILL);
      expect(reported.filter((id) => seen.get(id) !== 1)).toEqual([]);
      expect([...seen.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      expect(await s3.openUploads('crash')).toEqual([]);
    } finally {
      remove();
    }
  }, 300_000);
});
