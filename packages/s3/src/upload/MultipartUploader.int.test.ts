import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { CreateBucketCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchIdentifier, JsonLogger, type DeliveredEvent, type DeliveryErrorEvent } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { driveRetries, startFaultProxy, type FaultProxy, nextEvent, startS3Server, S3RVER_CREDENTIALS, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';
import { parseS3Options, type S3OptionsInput } from '../config.js';
import { TimePathKeyFormatter } from '../key/TimePathKeyFormatter.js';
import { NdjsonGzipSerializer } from '../serialization/NdjsonGzipSerializer.js';
import { DefaultS3ClientProvider } from './DefaultS3ClientProvider.js';
import { InFlightUploads } from './InFlightUploads.js';
import { MultipartUploader } from './MultipartUploader.js';
import { OrphanSweeper } from './OrphanSweeper.js';

const MIB = 1024 * 1024;

describe('MultipartUploader against a real S3 server', () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['bkt']);
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterEach(() => {
    proxy.setRule(undefined);
    proxy.requests.length = 0;
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });

  function sluiceThroughProxy(options: S3OptionsInput = {}) {
    const { clock, sluice } = testSluice(proxy.endpoint, {
      sluice: { retry: { initialDelayMs: 1_000, maxDelayMs: 4_000, permanentErrorDelayMs: 60_000 } },
      s3: { partSizeBytes: 5 * MIB, ...options },
    });
    const delivered: DeliveredEvent[] = [];
    const errors: DeliveryErrorEvent[] = [];
    sluice.on('delivered', (e) => delivered.push(e));
    sluice.on('deliveryError', (e) => errors.push(e));
    return { clock, sluice, delivered, errors };
  }

  async function objectLines(key: string): Promise<string[]> {
    const { body } = await s3.get('bkt', key);
    return gunzipSync(body).toString('utf8').trimEnd().split('\n');
  }

  it('uploads a batch of over 20 MB in several parts, with CRC32 part checksums, byte for byte', async () => {
    const { sluice, delivered } = sluiceThroughProxy();
    const payloads = Array.from({ length: 20_000 }, (_, i) => ({ i, blob: randomBytes(768).toString('base64') }));
    for (const payload of payloads) sluice.send.s3({ bucket: 'bkt', prefix: 'big', payload });
    await sluice.close();

    expect(delivered).toHaveLength(1);
    const [event] = delivered as [DeliveredEvent];
    expect(event.parts).toBeGreaterThanOrEqual(3);
    const partRequests = proxy.requests.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));
    expect(partRequests.length).toBe(event.parts);
    expect(partRequests.every((r) => typeof r.headers['x-amz-checksum-crc32'] === 'string')).toBe(true);
    const complete = proxy.requests.find((r) => r.method === 'POST' && r.url.includes('uploadId='));
    expect(complete?.headers['if-none-match']).toBe('*');
    expect(proxy.requests.filter((r) => r.method === 'POST' && r.url.includes('uploadId='))).toHaveLength(1);
    const lines = await objectLines(event.key);
    expect(lines).toHaveLength(payloads.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(payloads);
    expect(await s3.openUploads('bkt')).toEqual([]);
  });

  it('aborts a multipart upload whose part keeps failing, then delivers the batch on a later attempt', async () => {
    const { clock, sluice, delivered, errors } = sluiceThroughProxy({ maxAttempts: 1 });
    proxy.setRule((req) => (req.method === 'PUT' && /[?&]partNumber=2\b/.test(req.url ?? '') ? 500 : undefined));
    for (let i = 0; i < 12_000; i += 1) sluice.send.s3({ bucket: 'bkt', prefix: 'aborted', payload: randomBytes(768).toString('base64') });
    const failed = nextEvent(sluice, 'deliveryError');
    sluice.flush().catch(() => {});
    await failed;
    expect(errors[0]).toMatchObject({ retryable: true, code: 'InternalError', events: 12_000 });
    expect(errors[0]?.key).toMatch(/^aborted\/2024\/02\/29\/10\//);
    const abort = proxy.requests.find((r) => r.method === 'DELETE' && r.url.includes('uploadId='));
    expect(abort?.status).toBe(204);
    expect(await s3.openUploads('bkt')).toEqual([]);
    expect(await s3.keys('bkt', 'aborted/')).toEqual([]);

    proxy.setRule(undefined);
    const stored = nextEvent(sluice, 'delivered');
    await clock.advance(4_000);
    await stored;
    expect(delivered).toHaveLength(1);
    expect(await s3.keys('bkt', 'aborted/')).toEqual([errors[0]?.key]);
    expect(await objectLines(errors[0]?.key as string)).toHaveLength(12_000);
    await sluice.close();
  });

  it('aborts before the retry the multipart upload a failed attempt left open when the server went away, so none stays open', async () => {
    const { clock, sluice, delivered } = sluiceThroughProxy({ maxAttempts: 1 });
    // The server "dies" after the first part: later parts and the attempt's own abort fail.
    proxy.setRule((req) => {
      const url = req.url ?? '';
      if (req.method === 'PUT' && /[?&]partNumber=/.test(url) && !/[?&]partNumber=1\b/.test(url)) return 'reset';
      return req.method === 'DELETE' && url.includes('uploadId=') ? 'reset' : undefined;
    });
    for (let i = 0; i < 12_000; i += 1) sluice.send.s3({ bucket: 'bkt', prefix: 'killed', payload: randomBytes(768).toString('base64') });
    const failed = nextEvent(sluice, 'deliveryError');
    const flushed = sluice.flush();
    const { retryInMs } = await failed;
    expect(await s3.openUploads('bkt')).toHaveLength(1);

    proxy.setRule(undefined);
    await driveRetries(sluice, clock, flushed, retryInMs);
    expect(delivered).toHaveLength(1);
    expect(await objectLines(delivered[0]?.key as string)).toHaveLength(12_000);
    expect(await s3.openUploads('bkt')).toEqual([]);
    await sluice.close();
  });

  it('survives connections reset in the middle of part uploads: every part is retried, nothing is left open', async () => {
    const { clock, sluice, delivered, errors } = sluiceThroughProxy({ maxAttempts: 1 });
    let resets = 0;
    proxy.setRule((req) => (req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '') && resets < 3 && (resets += 1) ? 'reset' : undefined));
    const payloads = Array.from({ length: 16_000 }, (_, i) => ({ i, blob: randomBytes(768).toString('base64') }));
    for (const payload of payloads) sluice.send.s3({ bucket: 'bkt', prefix: 'midpart', payload });
    await driveRetries(sluice, clock, sluice.flush());
    expect(resets).toBe(3);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.retryable)).toBe(true);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.parts).toBeGreaterThanOrEqual(2);
    const lines = await objectLines(delivered[0]?.key as string);
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(payloads.map((p) => p.i));
    expect(await s3.openUploads('bkt')).toEqual([]);
    await sluice.close();
  });

  it('retries 503 SlowDown and dropped connections until the object is stored exactly once', async () => {
    const { clock, sluice, delivered, errors } = sluiceThroughProxy({ maxAttempts: 1 });
    let faults = 0;
    // Only object writes fail: the orphan sweep's listing has its own error handling.
    proxy.setRule((req) => (req.method === 'PUT' && faults < 4 ? (faults++ % 2 === 0 ? 503 : 'reset') : undefined));
    const receipts = Array.from({ length: 50 }, (_, i) => sluice.send.s3({ bucket: 'bkt', prefix: 'flaky', payload: { i } }));
    await driveRetries(sluice, clock, sluice.flush());
    // A dropped connection surfaces from the SDK's HTTP handler as a network error or a
    // timeout, depending on when the socket closed; either way it is not an S3 answer.
    const codes = errors.map((e) => e.code);
    expect(codes.filter((c) => c === 'SlowDown')).toHaveLength(2);
    expect(codes.filter((c) => ['ECONNRESET', 'EPIPE', 'TimeoutError', 'RequestTimeout'].includes(c))).toHaveLength(2);
    expect(errors.every((e) => e.retryable)).toBe(true);
    expect(delivered).toHaveLength(1);
    const keys = await s3.keys('bkt', 'flaky/');
    expect(keys).toHaveLength(1);
    expect(await objectLines(keys[0] as string)).toHaveLength(50);
    expect(receipts.every((r) => sluice.deliveredCount(r.id) === 1)).toBe(true);
    await sluice.close();
  });

  it('reports a wrong credential as a permanent error carrying bucket, key and code, and keeps the batch', async () => {
    const { clock, sluice } = testSluice(s3.endpoint, { s3: { credentials: { accessKeyId: 'WRONG', secretAccessKey: 'nope' } } });
    const failed = nextEvent(sluice, 'deliveryError');
    sluice.send.s3({ bucket: 'bkt', prefix: 'denied', payload: 1 });
    sluice.flush().catch(() => {});
    const error = await failed;
    expect(error).toMatchObject({ code: 'InvalidAccessKeyId', retryable: false, events: 1 });
    expect(String(error.error)).toContain('s3://bkt/denied/2024/02/29/10/');
    expect(String(error.error)).toContain('check AWS_ACCESS_KEY_ID');
    expect(String(error.error)).not.toContain('nope');
    expect(sluice.health()).toMatchObject([{ route: 's3://bkt/denied/', pendingEvents: 1, lastError: { code: 'InvalidAccessKeyId' } }]);
    const closing = sluice.close({ timeoutMs: 1_000 });
    const outcome = closing.then(
      () => 'closed',
      (e: unknown) => String(e),
    );
    await clock.advance(1_000);
    expect(await outcome).toMatch(/1 batch\(es\) holding 1 event\(s\) are undelivered/);
  });

  it('keeps a batch for a missing bucket pending and delivers it once the bucket exists', async () => {
    const { clock, sluice, delivered } = sluiceThroughProxy();
    const failed = nextEvent(sluice, 'deliveryError');
    sluice.send.s3({ bucket: 'created-later', prefix: 'p', payload: { hello: 'world' } });
    sluice.flush().catch(() => {});
    expect(await failed).toMatchObject({ code: 'NoSuchBucket', retryable: false });
    expect(delivered).toHaveLength(0);

    await s3.client.send(new CreateBucketCommand({ Bucket: 'created-later' }));
    const stored = nextEvent(sluice, 'delivered');
    await clock.advance(72_000);
    await stored;
    const keys = await s3.keys('created-later');
    expect(keys).toHaveLength(1);
    expect(gunzipSync((await s3.get('created-later', keys[0] as string)).body).toString()).toBe('{"hello":"world"}\n');
    await sluice.close();
  });

  it('writes the same key when the same batch is uploaded twice, so a retry never makes a second object', async () => {
    const options = parseS3Options({ endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    const inFlight = new InFlightUploads();
    const clock = new ManualClock(Date.now());
    const logger = new JsonLogger('silent');
    const uploader = new MultipartUploader(
      options,
      new DefaultS3ClientProvider(options),
      new OrphanSweeper(options, clock, logger, inFlight),
      inFlight,
      logger,
    );
    const identity = { routeId: 's3://bkt/twice/', windowStart: Date.parse('2024-02-29T10:00:00Z'), sequence: 0, producerId: 'p1', incarnation: 'i1' };
    const batch = {
      identity,
      identifier: batchIdentifier(identity),
      openedAt: Date.parse('2024-02-29T10:00:07Z'),
      window: { start: identity.windowStart, end: identity.windowStart + 60_000 },
      target: { bucket: 'bkt', prefix: 'twice' },
      events: 1,
      bytes: 8,
    };
    const serializer = new NdjsonGzipSerializer({ compressionLevel: 6, compressionConcurrency: 0 });
    const keyFormatter = new TimePathKeyFormatter();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await uploader.upload({
        batch,
        key: keyFormatter.format(batch, serializer.extension),
        body: serializer.serialize([Buffer.from('{"a":1}\n')]),
        contentType: serializer.contentType,
        signal: new AbortController().signal,
        firstAttempt: attempt === 0,
      });
    }
    expect(await s3.keys('bkt', 'twice/')).toEqual([`twice/2024/02/29/10/2024-02-29-10-00-07-${batch.identifier}.gz`]);
    await uploader.close();
  });

  it('aborted mid-part, returns only once its own multipart upload is aborted, and no late part brings it back', async () => {
    const options = parseS3Options({ endpoint: proxy.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, partSizeBytes: 5 * MIB });
    const inFlight = new InFlightUploads();
    const logger = new JsonLogger('silent');
    const uploader = new MultipartUploader(options, new DefaultS3ClientProvider(options), new OrphanSweeper(options, new ManualClock(Date.now()), logger, inFlight), inFlight, logger);
    const controller = new AbortController();
    let partsInProgress = 0;
    let allClosed = (): void => {};
    proxy.setRule((req) => {
      if (!(req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? ''))) return undefined;
      partsInProgress += 1;
      req.once('close', () => {
        partsInProgress -= 1;
        if (partsInProgress === 0) allClosed();
      });
      // The owner lets the key go while a part crawls, as when its shard moves to another flusher.
      controller.abort(new Error('shard released'));
      return { bodyBytesPerSecond: 1_000_000 };
    });
    const identity = { routeId: 's3://bkt/released/', windowStart: Date.parse('2024-02-29T11:00:00Z'), sequence: 0, producerId: 'p1', incarnation: 'i1' };
    const batch = { identity, identifier: batchIdentifier(identity), openedAt: identity.windowStart, window: { start: identity.windowStart, end: identity.windowStart + 60_000 }, target: { bucket: 'bkt', prefix: 'released' }, events: 1, bytes: 12 * MIB };
    const upload = uploader.upload({
      batch,
      key: new TimePathKeyFormatter().format(batch, 'bin'),
      body: Readable.from([randomBytes(12 * MIB)]),
      contentType: 'application/octet-stream',
      signal: controller.signal,
      firstAttempt: false,
    });
    await expect(upload).rejects.toThrow();
    // Nothing of the attempt is left for the next owner to find, or to be undone by a late part.
    expect((await s3.client.send(new ListMultipartUploadsCommand({ Bucket: 'bkt', Prefix: 'released/' }))).Uploads ?? []).toEqual([]);
    if (partsInProgress > 0) await new Promise<void>((resolve) => (allClosed = resolve));
    expect(await s3.openUploads('bkt')).toEqual([]);
    await uploader.close();
  });

  it('uses WHEN_REQUIRED checksums when asked, for servers without CRC32 support', async () => {
    const { sluice, delivered } = sluiceThroughProxy({ checksumMode: 'WHEN_REQUIRED' });
    sluice.send.s3({ bucket: 'bkt', prefix: 'nochecksum', payload: 'x' });
    await sluice.close();
    expect(delivered).toHaveLength(1);
    expect(await objectLines(delivered[0]?.key as string)).toEqual(['"x"']);
    const put = proxy.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['x-amz-checksum-crc32']).toBeUndefined();
    expect(put?.headers['if-none-match']).toBe('*');
  });
});
