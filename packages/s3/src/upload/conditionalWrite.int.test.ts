import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { driveRetries, startFaultProxy, type FaultProxy, nextEvent, startS3Server, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';

const MIB = 1024 * 1024;
const isPut = (method: string | undefined, url: string) => method === 'PUT' && !url.includes('uploadId=');
const isComplete = (method: string | undefined, url: string) => method === 'POST' && url.includes('uploadId=');
/** Enough incompressible events for a batch of two 5 MiB parts. */
const BIG_BATCH = 8_000;

describe.each([
  ['honours If-None-Match on PutObject and CompleteMultipartUpload, as S3 does', true],
  ['honours If-None-Match on PutObject only, and overwrites on CompleteMultipartUpload', false],
] as const)('conditional writes on a server that %s', (_server, conditionalComplete) => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['cond'], { conditionalPut: true, conditionalComplete });
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });

  function sluiceAt(start: string, producerId?: string, endpoint = proxy.endpoint) {
    const { clock, sluice } = testSluice(endpoint, {
      clock: new ManualClock(start),
      sluice: { retry: { initialDelayMs: 100, maxDelayMs: 1_000, permanentErrorDelayMs: 10_000 }, ...(producerId ? { producerId } : {}) },
      s3: { partSizeBytes: 5 * MIB, maxAttempts: 1 },
    });
    const delivered: DeliveredEvent[] = [];
    sluice.on('delivered', (e) => delivered.push(e));
    return { clock, sluice, delivered };
  }

  async function linesUnder(prefix: string): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for (const key of await s3.keys('cond', prefix)) {
      for (const line of gunzipSync((await s3.get('cond', key)).body).toString('utf8').trimEnd().split('\n')) {
        seen.set(line, (seen.get(line) ?? 0) + 1);
      }
    }
    return seen;
  }

  it('counts a retried single-request batch whose object is already stored as delivered, leaving one object', async () => {
    const prefix = `put-${conditionalComplete}`;
    const { clock, sluice, delivered } = sluiceAt('2024-05-01T09:00:00Z');
    // The object is stored, but the answer never reaches the uploader.
    let dropped = false;
    proxy.setRule((req) => (isPut(req.method, req.url ?? '') && !dropped && (dropped = true) ? 'dropResponse' : undefined));
    for (let i = 0; i < 50; i += 1) sluice.send.s3({ bucket: 'cond', prefix, payload: { i } });
    await driveRetries(sluice, clock, sluice.flush());
    proxy.setRule(undefined);
    expect(delivered).toMatchObject([{ alreadyExisted: true, attempts: 2 }]);
    expect(proxy.requests.some((r) => isPut(r.method, r.url) && r.status === 412)).toBe(true);
    expect(await s3.keys('cond', `${prefix}/`)).toHaveLength(1);
    expect([...(await linesUnder(`${prefix}/`)).values()]).toEqual(Array.from({ length: 50 }, () => 1));
    await sluice.close();
  });

  it('re-uploads a multipart batch whose completion was stored but not answered without a second object or an open upload', async () => {
    const prefix = `multipart-${conditionalComplete}`;
    const { clock, sluice, delivered } = sluiceAt('2024-05-01T09:00:00Z');
    let dropped = false;
    proxy.setRule((req) => (isComplete(req.method, req.url ?? '') && !dropped && (dropped = true) ? 'dropResponse' : undefined));
    for (let i = 0; i < BIG_BATCH; i += 1) sluice.send.s3({ bucket: 'cond', prefix, payload: { i, blob: randomBytes(1_000).toString('base64') } });
    const failed = nextEvent(sluice, 'deliveryError');
    const flushed = sluice.flush();
    const { retryInMs, key } = await failed;
    const firstBytes = (await s3.get('cond', key as string)).body;
    proxy.setRule(undefined);
    await driveRetries(sluice, clock, flushed, retryInMs);
    // S3 answers 412 (already there); a server that ignores the header overwrites with the same bytes.
    expect(delivered).toMatchObject([{ key, alreadyExisted: conditionalComplete, attempts: 2 }]);
    expect(await s3.keys('cond', `${prefix}/`)).toEqual([key]);
    expect((await s3.get('cond', key as string)).body.equals(firstBytes)).toBe(true);
    expect(await s3.openUploads('cond')).toEqual([]);
    await sluice.close();
  });

  it('gives two producers with the same producerId, writing the same route and minute, distinct keys: every line once', async () => {
    const prefix = `twins-${conditionalComplete}`;
    // Two starts at the same instant with the same fixed id, as two processes given one id by mistake.
    const first = sluiceAt('2024-05-01T09:00:05Z', 'fixed-id', s3.endpoint);
    const second = sluiceAt('2024-05-01T09:00:05Z', 'fixed-id', s3.endpoint);
    const sent: string[] = [];
    for (const [n, { sluice }] of [first, second].entries()) {
      for (let i = 0; i < BIG_BATCH / 2; i += 1) {
        const payload = { n, i, blob: randomBytes(2_000).toString('base64') };
        sluice.send.s3({ bucket: 'cond', prefix, payload });
        sent.push(JSON.stringify(payload));
      }
    }
    await Promise.all([first.sluice.close(), second.sluice.close()]);
    const keys = [first.delivered[0]?.key, second.delivered[0]?.key];
    expect(new Set(keys).size).toBe(2);
    expect(await s3.keys('cond', `${prefix}/`)).toEqual([...keys].sort());
    expect(first.delivered[0]?.parts).toBeGreaterThanOrEqual(2);
    const seen = await linesUnder(`${prefix}/`);
    expect(sent.filter((line) => seen.get(line) !== 1)).toEqual([]);
    expect(seen.size).toBe(sent.length);
  });
});
