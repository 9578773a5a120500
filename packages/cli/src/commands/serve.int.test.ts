import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '@sluice/test-support';

// The committed bin runs the built code: `npm test` builds first (npx tsc -b when run alone).
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/sluice.js');
const BUCKET = 'serve-test';
let s3: TestS3Server;
let folder: string;
beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  folder = mkdtempSync(path.join(tmpdir(), 'sluice-serve-'));
});
afterAll(async () => {
  await s3.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('sluice serve as a process', () => {
  it('on SIGTERM stops listening, delivers what it accepted before the minute ended, and exits 0', async () => {
    writeFileSync(
      path.join(folder, 'sluice.config.json'),
      JSON.stringify({ listen: { port: 0 }, spool: { directory: 'spool' }, s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } }),
    );
    const child = spawn(process.execPath, [bin, 'serve'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const body = Array.from({ length: 100 }, (_, i) => JSON.stringify({ bucket: BUCKET, prefix: 'shutdown', payload: { i } })).join('\n');
    const answer = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(answer.status).toBe(202);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/SIGTERM: stopped accepting/);
    expect(stdout).toMatch(/Shut down: every accepted event was delivered/);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const keys = await s3.keys(BUCKET, 'shutdown/');
    expect(keys).toHaveLength(1);
    const lines = gunzipSync((await s3.get(BUCKET, keys[0] as string)).body).toString('utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
