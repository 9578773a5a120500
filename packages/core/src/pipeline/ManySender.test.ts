import { describe, expect, it } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { BackpressureError } from '../errors/BackpressureError.js';
import { ClosedError } from '../errors/ClosedError.js';
import { EventTooLargeError } from '../errors/EventTooLargeError.js';
import { SerializationError } from '../errors/SerializationError.js';
import { SpoolError } from '../errors/SpoolError.js';
import { ValidationError } from '../errors/ValidationError.js';
import { MemorySpool, MemorySpoolBatch } from '../spool/MemorySpool.js';
import type { SpoolBatch, SpooledBatchMeta } from '../spool/Spool.js';

/** A memory spool that counts writes and fails the writes it is told to, as a full disk would. */
class FailingSpool extends MemorySpool {
  writes = 0;
  /** The write (1-based, appends and appendMany calls alike) that throws. */
  failWrite = 0;
  readonly #withAppendMany: boolean;

  constructor(withAppendMany = true) {
    super();
    this.#withAppendMany = withAppendMany;
  }

  override open(_meta: SpooledBatchMeta): MemorySpoolBatch {
    const batch = new MemorySpoolBatch();
    const write = (): void => {
      this.writes += 1;
      if (this.writes === this.failWrite) throw new SpoolError('SLUICE_SPOOL_FULL', 'The disk is full.');
    };
    const append = batch.append.bind(batch);
    batch.append = (record) => (write(), append(record));
    const spooled = batch as SpoolBatch;
    if (this.#withAppendMany) spooled.appendMany = (records) => (write(), records.reduce((bytes, record) => bytes + append(record), 0));
    else Object.defineProperty(batch, 'appendMany', { value: undefined });
    return batch;
  }
}

const items = (stream: string, payloads: unknown[]) => payloads.map((payload) => ({ stream, payload }));

describe('sendMany()', () => {
  it('delivers what send() would, one by one, with one spool write per run of a route and ids in item order', async () => {
    const spool = new FailingSpool();
    const { sluice, destination } = recordingSluice({ spool, maxEvents: 3 });
    const result = sluice.sendMany('recording', [...items('a', [1, 2]), ...items('b', [3]), ...items('a', [4, 5, 6, 7]), { stream: 'b', payload: 8, id: 'given' }]);
    expect(result.refused).toEqual([]);
    expect(result.stopped).toBeUndefined();
    expect(result.ids).toHaveLength(8);
    expect(result.ids[7]).toBe('given');
    expect(new Set(result.ids).size).toBe(8);
    // a: [1,2] then [4] fills the first batch (cap 3), [5,6,7] the next; b: [3] then [8].
    expect(spool.writes).toBe(5);
    await sluice.flush();
    const byStream = destination.objects.map((o) => [o.batch.target.stream, o.batch.identity.sequence, o.payloads]);
    expect(byStream).toEqual([
      ['a', 0, [1, 2, 4]],
      ['b', 0, [3, 8]],
      ['a', 1, [5, 6, 7]],
    ]);
    expect(result.ids.map((id) => sluice.deliveredCount(id))).toEqual(Array(8).fill(1));
  });

  it('refuses bad items alone, saying which and why, and accepts every other one', async () => {
    const { sluice, destination } = recordingSluice({ sluice: { maxEventBytes: 100 } });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const result = sluice.sendMany('recording', [{ stream: 'a', payload: 1 }, { stream: '', payload: 2 }, { stream: 'a', payload: circular }, { stream: 'a', payload: 'x'.repeat(200) }, { stream: 'a', payload: 5 }]);
    expect(result.refused.map(({ index, error }) => [index, error.constructor])).toEqual([
      [1, ValidationError],
      [2, SerializationError],
      [3, EventTooLargeError],
    ]);
    expect(result.ids).toHaveLength(2);
    await sluice.flush();
    expect(destination.objects.flatMap((o) => o.payloads)).toEqual([1, 5]);
  });

  it('stops at backpressure: nothing from that item on is accepted, everything before is', async () => {
    const { sluice, destination } = recordingSluice({ sluice: { maxPendingBytes: 100, maxEventBytes: 100 } });
    // Each record is 11 bytes ('"abcdefg0"\n'); the tenth would pass 100.
    const result = sluice.sendMany('recording', items('a', Array.from({ length: 12 }, (_, i) => `abcdefg${i}`)));
    expect(result.stopped?.index).toBe(9);
    expect(result.stopped?.error).toBeInstanceOf(BackpressureError);
    expect(result.ids).toHaveLength(9);
    expect(sluice.pendingBytes).toBe(99);
    await sluice.flush();
    expect(destination.objects.flatMap((o) => o.payloads)).toEqual(Array.from({ length: 9 }, (_, i) => `abcdefg${i}`));
  });

  it('leaves out every item of a failed spool write, keeps the runs written before, and counts nothing of it', async () => {
    const spool = new FailingSpool();
    spool.failWrite = 2;
    const { sluice, destination } = recordingSluice({ spool });
    const result = sluice.sendMany('recording', [...items('a', [1, 2]), ...items('b', [3, 4]), ...items('a', [5])]);
    expect(result.stopped?.index).toBe(2);
    expect(result.stopped?.error).toBeInstanceOf(SpoolError);
    expect((result.stopped?.error as SpoolError).code).toBe('SLUICE_SPOOL_FULL');
    expect(result.ids).toHaveLength(2);
    expect(sluice.health().reduce((events, route) => events + route.pendingEvents, 0)).toBe(2);
    await sluice.flush();
    expect(destination.objects.flatMap((o) => o.payloads)).toEqual([1, 2]);
  });

  it('with a spool that has no appendMany, keeps the records stored before the one that failed', async () => {
    const spool = new FailingSpool(false);
    spool.failWrite = 3;
    const { sluice, destination } = recordingSluice({ spool });
    const result = sluice.sendMany('recording', items('a', [1, 2, 3, 4]));
    expect(result.stopped?.index).toBe(2);
    expect(result.ids).toHaveLength(2);
    await sluice.flush();
    expect(destination.objects.flatMap((o) => o.payloads)).toEqual([1, 2]);
  });

  it('throws ClosedError once the sluice is closing, and names an unknown destination', async () => {
    const { sluice } = recordingSluice();
    expect(() => sluice.sendMany('nope', [])).toThrow(/No destination named "nope"/);
    await sluice.close();
    expect(() => sluice.sendMany('recording', items('a', [1]))).toThrow(ClosedError);
  });
});

describe('validate()', () => {
  it('throws what send() would for bad parameters and stores nothing', async () => {
    const { sluice, destination } = recordingSluice();
    expect(() => sluice.validate('recording', { stream: 'a', payload: 1 })).not.toThrow();
    expect(() => sluice.validate('recording', { stream: '', payload: 1 })).toThrow(ValidationError);
    expect(() => sluice.validate('recording', { stream: 'a' })).toThrow(/\/payload: is missing; is required/);
    expect(() => sluice.validate('nope', { payload: 1 })).toThrow(/No destination named "nope"/);
    expect(sluice.pendingBytes).toBe(0);
    await sluice.flush();
    expect(destination.objects).toEqual([]);
  });
});
