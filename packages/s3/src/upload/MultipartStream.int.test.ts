import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGGER, type DeliveredEvent, type Logger } from '@sluice/core';
import { startFaultProxy, type FaultProxy, driveRetries, nextEvent, startS3Server, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';

const MIB = 1024 * 1024;
const loggerModule = (logger: Logger) => new ContainerModule(({ bind }) => void bind(LOGGER).toConstantValue(logger));
const isPart = (r: { method: string; url: string }) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url);

/** What a reader other than Node makes of a gzip file (several members): gunzip, and Python when installed. */
function readWithOtherTools(body: Buffer): Array<{ tool: string; text: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-gz-'));
  try {
    const file = path.join(dir, 'object.gz');
    writeFileSync(file, body);
    const read = [{ tool: 'gunzip', text: spawnSync('gunzip', ['-c', file], { encoding: 'utf8', maxBuffer: 256 * MIB }).stdout }];
    const python = spawnSync('python3', ['-c', 'import gzip,sys; sys.stdout.write(gzip.open(sys.argv[1]).read().decode())', file], {
      encoding: 'utf8',
      maxBuffer: 256 * MIB,
    });
    if (python.error === undefined) read.push({ tool: 'python3', text: python.stdout });
    return read;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a busy minute streamed to S3 while it is open', () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['stream', 'stream-retried']);
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });

  it('uploads parts before the window closes and completes one object whose every line reads back with gunzip, Node and Python', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string, fields?: object) => void warnings.push(`${message} ${JSON.stringify(fields)}`), error: (message: string, fields?: object) => void warnings.push(`${message} ${JSON.stringify(fields)}`) };
    const { clock, sluice } = testSluice(proxy.endpoint, { s3: { partSizeBytes: 5 * MIB }, modules: [loggerModule(logger)] });
    try {
      // Random base64 barely compresses, so 16 MiB of records fill parts of 5 MiB.
      const payloads = Array.from({ length: 16 * 1_024 }, (_, i) => ({ i, blob: randomBytes(760).toString('base64') }));
      for (const payload of payloads) sluice.send.s3({ bucket: 'stream', prefix: 'busy', payload });
      // Still inside the minute (the clock has not moved): a part is uploaded all the same.
      // Parts go up several at once, and their answers may come in any order: wait for the first part's.
      const part = await proxy.waitFor((r) => isPart(r) && /[?&]partNumber=1\b/.test(r.url));
      expect(part.status).toBe(200);
      expect(proxy.requests.filter((r) => r.method === 'POST' && r.url.includes('uploadId='))).toHaveLength(0);
      const delivered = nextEvent(sluice, 'delivered');
      await clock.advanceTo('2024-02-29T10:01:00Z');
      const event: DeliveredEvent = await delivered;
      const context = JSON.stringify({ event, warnings });
      expect(event.parts, context).toBeGreaterThanOrEqual(2);
      expect(event.events, context).toBe(payloads.length);
      expect(await s3.keys('stream')).toEqual([event.key]);
      const { body } = await s3.get('stream', event.key);
      const expected = payloads.map((p) => JSON.stringify(p)).join('\n') + '\n';
      expect(gunzipSync(body).toString('utf8') === expected, context).toBe(true);
      for (const { tool, text } of readWithOtherTools(body)) expect(text === expected, `${tool} ${context}`).toBe(true);
      expect(await s3.openUploads('stream')).toEqual([]);
      expect(sluice.pendingBytes).toBe(0);
    } finally {
      await sluice.close();
    }
  });

  it('aborts the stream whose part fails while the minute is open, and uploads the batch whole under the same key, once', async () => {
    const { clock, sluice } = testSluice(proxy.endpoint, { s3: { partSizeBytes: 5 * MIB, maxAttempts: 1 } });
    let failures = 0;
    proxy.setRule((request) => (request.method === 'PUT' && /[?&]partNumber=1\b/.test(request.url ?? '') && failures++ < 2 ? 503 : undefined));
    try {
      const payloads = Array.from({ length: 12 * 1_024 }, (_, i) => ({ i, blob: randomBytes(760).toString('base64') }));
      for (const payload of payloads) sluice.send.s3({ bucket: 'stream-retried', prefix: 'retried', payload });
      await proxy.waitFor((r) => isPart(r) && r.status === 503);
      const delivered = nextEvent(sluice, 'delivered');
      await clock.advanceTo('2024-02-29T10:01:00Z');
      // The whole-batch upload fails its first part once more, then succeeds on its retry.
      const event = await driveRetries(sluice, clock, delivered);
      const lines = gunzipSync((await s3.get('stream-retried', event.key)).body).toString('utf8').trimEnd().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(payloads.map((p) => p.i));
      expect(await s3.keys('stream-retried')).toEqual([event.key]);
      expect(await s3.openUploads('stream-retried')).toEqual([]);
    } finally {
      proxy.setRule(undefined);
      await sluice.close();
    }
  });
});
