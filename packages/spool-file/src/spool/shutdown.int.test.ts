import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, CLOCK, createSluice, ShutdownTimeoutError } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { s3Module } from '@sluice/s3';
import { startS3Server, S3RVER_CREDENTIALS, type TestS3Server } from '@sluice/test-support';
import { fileSpoolModule } from '../di/fileSpoolModule.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';

describe('close() with a deadline and the file spool', () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server([]);
  });
  afterAll(() => s3.close());

  function sluiceOn(directory: string, clock: ManualClock) {
    return createSluice({
      drainOnExit: false,
      logLevel: 'silent',
      modules: [
        new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)),
        fileSpoolModule({ directory }),
        s3Module({ endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS }),
      ],
    });
  }

  it('keeps what missed the deadline in the spool, and the next start delivers it to the key it would have had', async () => {
    const { directory, remove } = temporarySpoolDirectory();
    try {
      const clock = new ManualClock('2024-09-09T09:09:09Z');
      const first = sluiceOn(directory, clock);
      first.send.s3({ bucket: 'late-bucket', prefix: 'kept', payload: { n: 1 } });
      first.send.s3({ bucket: 'late-bucket', prefix: 'kept', payload: { n: 2 } });
      const failed = new Promise((resolve) => first.on('deliveryError', resolve));
      const closing = first.close({ timeoutMs: 5_000 }).then(() => undefined, (error: unknown) => error);
      await failed; // NoSuchBucket: the bucket is created only later
      await clock.advance(5_000);
      expect(await closing).toBeInstanceOf(ShutdownTimeoutError);

      await s3.client.send(new CreateBucketCommand({ Bucket: 'late-bucket' }));
      const second = sluiceOn(directory, new ManualClock('2024-09-09T10:00:00Z'));
      await second.close();
      const keys = await s3.keys('late-bucket');
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^kept\/2024\/09\/09\/09\/2024-09-09-09-09-09-[0-9a-f]{64}\.gz$/);
      expect(gunzipSync((await s3.get('late-bucket', keys[0] as string)).body).toString()).toBe('{"n":1}\n{"n":2}\n');
    } finally {
      remove();
    }
  });

  it('keeps what an aborted close() left in the spool, and the next start delivers it', async () => {
    const { directory, remove } = temporarySpoolDirectory();
    try {
      const first = sluiceOn(directory, new ManualClock('2024-09-09T09:09:09Z'));
      first.send.s3({ bucket: 'aborted-bucket', prefix: 'kept', payload: { n: 1 } });
      const failed = new Promise((resolve) => first.on('deliveryError', resolve));
      const controller = new AbortController();
      const closing = first.close({ signal: controller.signal }).then(() => undefined, (error: unknown) => error);
      await failed; // NoSuchBucket: the bucket is created only later
      controller.abort();
      expect(await closing).toBeInstanceOf(AbortedError);

      await s3.client.send(new CreateBucketCommand({ Bucket: 'aborted-bucket' }));
      const second = sluiceOn(directory, new ManualClock('2024-09-09T10:00:00Z'));
      await second.close();
      const keys = await s3.keys('aborted-bucket');
      expect(keys).toHaveLength(1);
      expect(gunzipSync((await s3.get('aborted-bucket', keys[0] as string)).body).toString()).toBe('{"n":1}\n');
    } finally {
      remove();
    }
  });
});
