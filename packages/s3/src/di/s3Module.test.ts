import { Readable } from 'node:stream';
import { ContainerModule, inject, injectable } from 'inversify';
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
  bindDestinationParts,
  createSluice,
  resolvedPartToken,
  scopedToken,
  SluiceError,
  type Batcher,
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

/** A destination of a user's own, wired like a package's: parts resolved per destination. */
@injectable()
class AuditDestination implements Destination<{ table: string }, { bucket: string; prefix: string }> {
  readonly name = 'audit';
  readonly paramsSchema = { properties: { table: { type: 'string' } }, required: ['table'] };
  constructor(
    @inject(resolvedPartToken(SERIALIZER, 'audit')) readonly serializer: Serializer,
    @inject(resolvedPartToken(KEY_FORMATTER, 'audit')) readonly keyFormatter: KeyFormatter<{ bucket: string; prefix: string }>,
    @inject(resolvedPartToken(UPLOADER, 'audit')) readonly uploader: Uploader<{ bucket: string; prefix: string }>,
    @inject(resolvedPartToken(BATCHER, 'audit')) readonly batcher: Batcher,
  ) {}
  route({ table }: { table: string }) {
    return { id: `audit:${table}`, target: { bucket: 'audit-bucket', prefix: table } };
  }
}

describe('parts scoped per destination', () => {
  it('gives S3 the minute batcher and its key layout, and a second destination its own key formatter and 10-second batcher, in one sluice', async () => {
    const s3Uploads = new InMemoryUploader();
    const auditUploads = new InMemoryUploader();
    const clock = new ManualClock('2024-01-01T00:00:00Z');
    const sluice = createSluice({
      drainOnExit: false,
      logLevel: 'silent',
      modules: [
        s3Module(),
        new ContainerModule((container) => {
          container.bind(CLOCK).toConstantValue(clock);
          container.bind(scopedToken(UPLOADER, 's3')).toConstantValue(s3Uploads);
          bindDestinationParts(container, 'audit', [
            [SERIALIZER, CsvSerializer],
            [KEY_FORMATTER, FlatKeyFormatter],
            [UPLOADER, auditUploads],
            [BATCHER, new FixedWindowBatcher(10_000)],
          ]);
          container.bind(DESTINATION).to(AuditDestination).inSingletonScope();
        }),
      ],
    });
    for (let second = 0; second < 30; second += 1) {
      sluice.send.s3({ bucket: 'bkt', prefix: 'p', payload: { second } });
      sluice.sendTo('audit', { table: 'users', payload: [String(second)] });
      await clock.advance(1_000);
    }
    await clock.advance(60_000);
    await sluice.flush(); // the windows are over: wait for their uploads to finish
    // S3: one object for the minute, under the time-path layout.
    expect(s3Uploads.keys('bkt')).toHaveLength(1);
    expect(s3Uploads.keys('bkt')[0]).toMatch(/^p\/2024\/01\/01\/00\/2024-01-01-00-00-00-[0-9a-f]{64}\.gz$/);
    expect(s3Uploads.lines('bkt', s3Uploads.keys('bkt')[0] as string)).toHaveLength(30);
    // audit: three 10-second objects in its own flat layout, CSV lines.
    expect(auditUploads.keys('audit-bucket')).toEqual([0, 10_000, 20_000].map((offset) => `users/${Date.parse('2024-01-01T00:00:00Z') + offset}-0.csv`));
    await sluice.close();
  });

  it('takes a batcher bound globally after s3Module(), and binding one twice is a Sluice error that says what to do', async () => {
    const uploader = new InMemoryUploader();
    const clock = new ManualClock('2024-01-01T00:00:00Z');
    const rule = new FixedWindowBatcher(10_000);
    const later = new ContainerModule(({ bind }) => {
      bind(CLOCK).toConstantValue(clock);
      bind(scopedToken(UPLOADER, 's3')).toConstantValue(uploader);
      bind(BATCHER).toConstantValue(rule);
    });
    const sluice = createSluice({ drainOnExit: false, modules: [s3Module(), later] });
    sluice.send.s3({ bucket: 'bkt', prefix: 'p', payload: 1 });
    await clock.advance(10_000);
    await sluice.flush();
    expect(uploader.keys('bkt')).toHaveLength(1);
    await sluice.close();

    const twice = new ContainerModule(({ bind }) => {
      bind(BATCHER).toConstantValue(rule);
      bind(BATCHER).toConstantValue(rule);
    });
    let error: unknown;
    try {
      createSluice({ drainOnExit: false, modules: [s3Module(), twice] });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'SLUICE_WIRING' });
    expect(String(error)).toMatch(/bound twice: bind each part once, or bind it for one destination only with scopedToken/);
  });
});
