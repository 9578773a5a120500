import { ContainerModule } from 'inversify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError, LOGGER, type Logger } from '@sluice/core';
import { nextEvent, startFaultProxy, startS3Server, type FaultProxy, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';

const SECRET = 'wrong-secret-Zq8vX1';

describe("S3 errors classified as the AWS SDK's retry strategy does", () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['bkt']);
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });
  afterEach(() => {
    proxy.setRule(undefined);
    proxy.requests.length = 0;
  });

  it('retries 503 SlowDown inside the SDK and then in Sluice, and delivers once it passes', async () => {
    let faults = 0;
    proxy.setRule((req) => (req.method === 'PUT' && faults++ < 2 ? 503 : undefined));
    const { clock, sluice } = testSluice(proxy.endpoint, { s3: { maxAttempts: 2 } });
    const failed = nextEvent(sluice, 'deliveryError');
    sluice.send.s3({ bucket: 'bkt', prefix: 'slow', payload: 1 });
    const flushed = sluice.flush();
    const error = await failed;
    expect(error).toMatchObject({ code: 'SlowDown', retryable: true });
    expect(error.error).toBeInstanceOf(DeliveryError);
    expect((error.error as DeliveryError).code).toBe('SLUICE_DELIVERY_FAILED');
    // The SDK's own retry made the second request of the first attempt.
    expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([503, 503]);
    await clock.advance(error.retryInMs);
    await flushed;
    expect(await s3.keys('bkt', 'slow/')).toHaveLength(1);
    await sluice.close();
  });

  it('does not retry a wrong credential, reports it coded and permanent, and never prints the secret', async () => {
    const lines: unknown[] = [];
    const logger: Logger = {
      debug: (message, fields) => void lines.push({ message, fields }),
      info: (message, fields) => void lines.push({ message, fields }),
      warn: (message, fields) => void lines.push({ message, fields }),
      error: (message, fields) => void lines.push({ message, fields }),
    };
    const { clock, sluice } = testSluice(proxy.endpoint, {
      s3: { maxAttempts: 3, credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: SECRET } },
      modules: [new ContainerModule(({ bind }) => void bind(LOGGER).toConstantValue(logger))],
    });
    const failed = nextEvent(sluice, 'deliveryError');
    sluice.send.s3({ bucket: 'bkt', prefix: 'denied', payload: 1 });
    sluice.flush().catch(() => {});
    const event = await failed;
    expect(event).toMatchObject({ code: 'InvalidAccessKeyId', retryable: false });
    // The permanent-error delay (300 s, jittered), not the quick backoff.
    expect(event.retryInMs).toBeGreaterThan(60_000);
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
    const error = event.error as DeliveryError;
    expect(error).toMatchObject({ code: 'SLUICE_DELIVERY_FAILED', destinationCode: 'InvalidAccessKeyId', retryable: false, status: 403 });
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(JSON.stringify(lines)).toContain('InvalidAccessKeyId');
    const closing = sluice.close({ timeoutMs: 1_000 }).catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(String(await closing)).not.toContain(SECRET);
  });
});
