import { Readable } from 'node:stream';
import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { FixedWindowBatcher } from '@sluice/batcher-minute/testing';
import {
  BATCHER,
  CLOCK,
  DESTINATION,
  KEY_FORMATTER,
  SERIALIZER,
  UPLOADER,
  createSluice,
  type BatchInfo,
  type Destination,
  type KeyFormatter,
  type Serializer,
  type Uploader,
  ValidationError,
} from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { InMemoryUploader } from '../testing/InMemoryUploader.js';
import { s3Module } from './s3Module.js';

/** A user's own format: CSV lines, plain text. */
class CsvSerializer implements Serializer {
  readonly extension = 'csv';
  readonly contentType = 'text/csv';
  encode(payload: unknown): string {
    return `${(payload as unknown[]).join(',')}\n`;
  }
  serialize(body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Readable {
    return Readable.from(body);
  }
}

/** A user's own key layout: one flat folder per window. */
class FlatKeyFormatter implements KeyFormatter<{ bucket: string; prefix: string }> {
  format(batch: BatchInfo<{ bucket: string; prefix: string }>, extension: string): string {
    return `${batch.target.prefix}/${batch.identity.windowStart}-${batch.identity.sequence}.${extension}`;
  }
}

describe('plug points', () => {
  it('composes a custom destination from core parts, bound through DI only', async () => {
    const uploader = new InMemoryUploader();
    const audit: Destination<{ table: string }, { bucket: string; prefix: string }> = {
      name: 'audit',
      paramsSchema: { properties: { table: { type: 'string', enum: ['users', 'orders'] } }, required: ['table'] },
      route: ({ table }) => ({ id: `audit:${table}`, target: { bucket: 'audit-bucket', prefix: table } }),
      serializer: new CsvSerializer(),
      keyFormatter: new FlatKeyFormatter(),
      uploader: uploader as Uploader<{ bucket: string; prefix: string }>,
    };
    const clock = new ManualClock('2024-01-01T00:00:10Z');
    const sluice = createSluice({
      drainOnExit: false,
      modules: [
        new ContainerModule(({ bind }) => {
          bind(CLOCK).toConstantValue(clock);
          bind(DESTINATION).toConstantValue(audit as Destination);
        }),
        minuteBatcherModule(),
      ],
    });
    sluice.sendTo('audit', { table: 'users', payload: ['1', 'ann'] });
    sluice.sendTo('audit', { table: 'users', payload: ['2', 'bob'] });
    expect(() => sluice.sendTo('audit', { table: 'nope', payload: [] })).toThrow(ValidationError);
    await clock.advance(60_000);
    const key = `users/${Date.parse('2024-01-01T00:00:00Z')}-0.csv`;
    expect(uploader.keys('audit-bucket')).toEqual([key]);
    expect(uploader.objects.get(`s3://audit-bucket/${key}`)?.body.toString()).toBe('1,ann\n2,bob\n');
  });

  it('swaps the serializer and key formatter of the S3 destination by binding the core tokens', async () => {
    const uploader = new InMemoryUploader();
    const sluice = createSluice({
      drainOnExit: false,
      modules: [
        new ContainerModule(({ bind }) => {
          bind(SERIALIZER).to(CsvSerializer);
          bind(KEY_FORMATTER).to(FlatKeyFormatter);
          bind(UPLOADER).toConstantValue(uploader);
        }),
        s3Module(),
      ],
    });
    sluice.send.s3({ bucket: 'bkt', prefix: 'p', payload: ['a', 'b'] });
    await sluice.close();
    const [key] = uploader.keys('bkt');
    expect(key).toMatch(/^p\/\d+-0\.csv$/);
    expect(uploader.objects.get(`s3://bkt/${key}`)?.body.toString()).toBe('a,b\n');
  });

  it('swaps the minute batcher for another rule without touching the S3 package', async () => {
    const uploader = new InMemoryUploader();
    const clock = new ManualClock('2024-01-01T00:00:00Z');
    const sluice = createSluice({
      drainOnExit: false,
      modules: [
        new ContainerModule(({ bind }) => {
          bind(CLOCK).toConstantValue(clock);
          bind(UPLOADER).toConstantValue(uploader);
          bind(BATCHER).toConstantValue(new FixedWindowBatcher(10_000, 3));
        }),
        s3Module(),
      ],
    });
    for (let second = 0; second < 20; second += 1) {
      sluice.send.s3({ bucket: 'bkt', prefix: 'p', payload: second });
      await clock.advance(1_000);
    }
    await sluice.close();
    // 10-second windows of at most 3 events: 0-2, 3-5, 6-8, 9 | 10-12, 13-15, 16-18, 19
    const sizes = uploader.keys('bkt').map((key) => uploader.lines('bkt', key).length);
    expect(sizes.sort()).toEqual([1, 1, 3, 3, 3, 3, 3, 3]);
    expect(
      uploader
        .keys('bkt')
        .flatMap((key) => uploader.lines('bkt', key).map(Number))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rejects a part size S3 would refuse, with the fix', () => {
    expect(() => s3Module({ partSizeBytes: 1024 })).toThrow(/\/partSizeBytes: 1024 is invalid: must be >= 5242880\. S3 requires parts of at least 5 MiB/);
  });
});
