import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Container, ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHER, createSluice } from '@sluice/core';
import { fleetModule } from '@sluice/redis';
import { s3Module } from '@sluice/s3';
import { S3RVER_CREDENTIALS, startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/sluice.js');
const BUCKET = 'fleet-cli';
const SHARDS = 2;
const WINDOW_MS = 1_000;
const EVENTS = 300;

let s3: TestS3Server;
let redis: TestRedis;
let folder: string;
beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  redis = await startRedis();
  folder = mkdtempSync(path.join(tmpdir(), 'sluice-flusher-'));
});
afterAll(async () => {
  await redis.close();
  await s3.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The ids of the events in the bucket under `prefix`, one entry per copy. */
async function delivered(prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (const key of await s3.keys(BUCKET, prefix)) {
    const text = gunzipSync((await s3.get(BUCKET, key)).body).toString('utf8').trimEnd();
    for (const line of text.split('\n')) ids.push((JSON.parse(line) as { i: number }).i);
  }
  return ids.sort((a, b) => a - b);
}

describe('sluice flusher as a process', () => {
  it('delivers what producers append, and on SIGTERM releases its leases and exits 0', async () => {
    // A lease far longer than the test: leases gone after the exit were released, not expired.
    const fleet = { url: redis.url, shards: SHARDS, leaseMs: 600_000, graceMs: 200 };
    writeFileSync(path.join(folder, 'sluice.config.json'), JSON.stringify({ s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS }, fleet }));
    const child = spawn(process.execPath, [bin, 'flusher'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('in the fleet at')) resolve();
      });
      void exited.then(() => reject(new Error(`flusher exited early: ${stderr}`)));
    });

    // A producer as an application runs it, with short windows (the producer decides them).
    const windows = new ContainerModule(({ bind }) => {
      bind(BATCHER).toConstantValue({
        windowOf: (t: number) => ({ start: Math.floor(t / WINDOW_MS) * WINDOW_MS, end: Math.floor(t / WINDOW_MS) * WINDOW_MS + WINDOW_MS }),
        wouldOverflow: () => false,
      });
    });
    const producer = createSluice({
      container: new Container(),
      logLevel: 'silent',
      modules: [windows, s3Module({ endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS }), fleetModule({ ...fleet, role: 'producer' })],
    });
    for (let i = 0; i < EVENTS; i += 1) producer.send.s3({ bucket: BUCKET, prefix: `cli${i % 3}`, payload: { i } });
    await producer.flush();
    await producer.close();

    // Waiting on the bucket, not on time: the flusher seals each window graceMs after its end.
    let ids = await delivered('cli');
    while (ids.length < EVENTS && child.exitCode === null) {
      await pause(100);
      ids = await delivered('cli');
    }
    expect(ids).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    const leases = () => Array.from({ length: SHARDS }, (_, shard) => redis.cli('GET', `{sluice:${shard}}:lease`).trim());
    expect(leases().every((holder) => holder !== '')).toBe(true);

    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(/SIGTERM: stopping the shard owners/);
    expect(stdout).toMatch(/Shut down: leases released/);
    // Released, and the member gone: another flusher takes the shards at its next heartbeat.
    expect(leases()).toEqual(Array.from({ length: SHARDS }, () => ''));
    expect(redis.cli('ZCARD', 'sluice:members').trim()).toBe('0');
    // Nothing delivered twice.
    expect(await delivered('cli')).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  });

  it('refuses a config without a fleet section with exit code 2 and says what to add', async () => {
    writeFileSync(path.join(folder, 'no-fleet.json'), JSON.stringify({ s3: { region: 'us-east-1' } }));
    const child = spawn(process.execPath, [bin, 'flusher', '--config', 'no-fleet.json'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/no "fleet" section/);
  });
});
