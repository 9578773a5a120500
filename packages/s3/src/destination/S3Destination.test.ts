import { describe, expect, expectTypeOf, it } from 'vitest';
import { CLOCK, createSluice, ValidationError, type Receipt, type Sluice } from '@sluice/core';
import { ContainerModule } from 'inversify';
import { s3Module } from '../di/s3Module.js';
import { type InMemoryUploader } from '../testing/InMemoryUploader.js';
import { ManualClock } from '../testing/index.js';
import { s3TestingModule } from '../testing/s3TestingModule.js';

function setup(): { sluice: Sluice; uploader: InMemoryUploader; clock: ManualClock } {
  const clock = new ManualClock('2024-05-25T16:14:58.000Z');
  const { module, uploader } = s3TestingModule();
  const sluice = createSluice({
    drainOnExit: false,
    logLevel: 'silent',
    modules: [module, new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)), s3Module()],
  });
  return { sluice, uploader, clock };
}

function validationMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
}

describe('send.s3()', () => {
  it('is typed: bucket and payload required, prefix optional, a Receipt back', () => {
    const { sluice } = setup();
    expectTypeOf(sluice.send.s3).parameter(0).toHaveProperty('bucket').toEqualTypeOf<string>();
    expectTypeOf(sluice.send.s3).returns.toEqualTypeOf<Receipt>();
    // @ts-expect-error -- bucket is required
    expect(() => sluice.send.s3({ payload: 1 })).toThrow(ValidationError);
  });

  it('accepts bucket names by S3 rules and rejects the rest, naming field, value and rule', () => {
    const { sluice } = setup();
    for (const bucket of ['abc', 'my-bucket.logs', 'a'.repeat(63), '123-bucket']) {
      expect(() => sluice.send.s3({ bucket, payload: 1 })).not.toThrow();
    }
    for (const bucket of ['ab', 'a'.repeat(64), 'My-Bucket', 'bucket_1', '-abc', 'abc-', 'a..b', '192.168.1.1', 'xn--abc', 'abc-s3alias', 'b/c']) {
      const message = validationMessage(() => sluice.send.s3({ bucket, payload: 1 }));
      expect(message).toContain(`/bucket: ${JSON.stringify(bucket)} is invalid`);
      expect(message).toContain('S3 bucket names are 3 to 63 characters');
    }
  });

  it('rejects prefixes with unsafe characters, dot folders or over 900 characters', () => {
    const { sluice } = setup();
    for (const prefix of ['logs/', 'a/b=c/d', "it's(ok)!*"]) expect(() => sluice.send.s3({ bucket: 'bkt', prefix, payload: 1 })).not.toThrow();
    for (const prefix of ['a\\b', 'tab\there', 'a/../b', './a', 'x'.repeat(901), 'percent%']) {
      expect(validationMessage(() => sluice.send.s3({ bucket: 'bkt', prefix, payload: 1 }))).toContain('/prefix:');
    }
  });

  it('names the broken rule of a dot folder, and shows the call to make when no object is given', () => {
    const { sluice } = setup();
    expect(validationMessage(() => sluice.send.s3({ bucket: 'bkt', prefix: '../x', payload: 1 }))).toContain(
      '/prefix: "../x" is invalid: has a form that is not allowed. Use at most 900 characters',
    );
    const call = sluice.send.s3 as (params?: unknown) => unknown;
    expect(validationMessage(() => call())).toContain('/: is missing; must be object. Pass one object: send.s3({ bucket, prefix, payload }).');
  });

  it('requires a payload, and a bare undefined is not one', () => {
    const { sluice } = setup();
    expect(validationMessage(() => sluice.send.s3({ bucket: 'bkt', payload: undefined }))).toContain('/payload: is missing; is required');
  });

  it('batches "logs", "logs/" and "/logs/" together, and an empty prefix at the bucket root', async () => {
    const { sluice, uploader } = setup();
    for (const prefix of ['logs', 'logs/', '/logs/']) sluice.send.s3({ bucket: 'bkt', prefix, payload: prefix });
    sluice.send.s3({ bucket: 'bkt', payload: 'root' });
    await sluice.flush();
    const keys = uploader.keys('bkt');
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^2024\/05\/25\/16\/2024-05-25-16-14-58-[0-9a-f]{64}\.gz$/);
    expect(keys[1]).toMatch(/^logs\/2024\/05\/25\/16\//);
    expect(uploader.lines('bkt', keys[1] as string)).toEqual(['"logs"', '"logs/"', '"/logs/"']);
  });
});
