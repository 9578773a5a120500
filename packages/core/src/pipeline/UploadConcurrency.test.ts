import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/ManualClock.js';
import { DeliveryQueue } from './DeliveryQueue.js';
import { UploadConcurrency } from './UploadConcurrency.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const options = { maxConcurrentUploads: 4, maxConcurrentSmallUploads: 32, maxUploadBytesInFlight: 16 * MIB };

/** Starts what `concurrency` lets start; returns how many it started. */
function fill(concurrency: UploadConcurrency, bytes: number): number {
  let started = 0;
  while (concurrency.canStart(bytes)) {
    concurrency.started(bytes);
    started += 1;
  }
  return started;
}

describe('UploadConcurrency', () => {
  it('runs maxConcurrentUploads at any size, and no more past the byte budget', () => {
    const concurrency = new UploadConcurrency(options);
    expect(fill(concurrency, 100 * MIB)).toBe(4);
    expect(concurrency.canStart(1)).toBe(false);
  });

  it('grows by one per stored batch up to maxConcurrentSmallUploads while batches are small', () => {
    const concurrency = new UploadConcurrency(options);
    expect(fill(concurrency, 2 * KIB)).toBe(4);
    for (let stored = 1; stored <= 40; stored += 1) {
      concurrency.ended(2 * KIB, true);
      fill(concurrency, 2 * KIB);
      expect(concurrency.running).toBe(Math.min(4 + stored, 32));
    }
    expect(concurrency.limit).toBe(32);
  });

  it('halves the limit after a failed attempt, never below maxConcurrentUploads', () => {
    const concurrency = new UploadConcurrency(options);
    fill(concurrency, KIB);
    for (let i = 0; i < 28; i += 1) {
      concurrency.ended(KIB, true);
      fill(concurrency, KIB);
    }
    expect(concurrency.limit).toBe(32);
    concurrency.ended(KIB, false);
    expect(concurrency.limit).toBe(16);
    expect(concurrency.canStart(KIB)).toBe(false); // 31 still run
    for (let i = 0; i < 5; i += 1) concurrency.ended(KIB, false);
    expect(concurrency.limit).toBe(4);
    expect(concurrency.running).toBe(26);
  });

  it('starts small uploads past maxConcurrentUploads only within maxUploadBytesInFlight', () => {
    const concurrency = new UploadConcurrency({ ...options, maxUploadBytesInFlight: 10 * MIB });
    for (let i = 0; i < 30; i += 1) {
      concurrency.started(KIB);
      concurrency.ended(KIB, true);
    }
    expect(fill(concurrency, 2 * MIB)).toBe(5);
    expect(concurrency.bytesInFlight).toBe(10 * MIB);
    expect(concurrency.canStart(KIB)).toBe(false);
  });
});

interface FakeBatch {
  readonly bytes: number;
}

describe('DeliveryQueue with UploadConcurrency', () => {
  /** Attempts that end when the test says, in the order they started. */
  function manualAttempts() {
    const running: Array<{ batch: FakeBatch; end: (ok: boolean) => void }> = [];
    const attempt = (batch: FakeBatch): Promise<boolean> => new Promise((resolve) => running.push({ batch, end: resolve }));
    return { running, attempt };
  }
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  const batchOf = (bytes: number): FakeBatch => ({ bytes });

  it('runs more small batches at once as they are stored, and four big ones', async () => {
    const { running, attempt } = manualAttempts();
    const queue = new DeliveryQueue(new ManualClock(0), new UploadConcurrency(options), attempt);
    for (let i = 0; i < 100; i += 1) queue.enqueue(batchOf(2 * KIB));
    expect(running).toHaveLength(4);
    for (let stored = 0; stored < 60; stored += 1) {
      (running.shift() as { end: (ok: boolean) => void }).end(true);
      await settle();
    }
    expect(running).toHaveLength(32);

    const big = manualAttempts();
    const bigQueue = new DeliveryQueue(new ManualClock(0), new UploadConcurrency(options), big.attempt);
    for (let i = 0; i < 20; i += 1) bigQueue.enqueue(batchOf(64 * MIB));
    for (let stored = 0; stored < 10; stored += 1) {
      (big.running.shift() as { end: (ok: boolean) => void }).end(true);
      await settle();
      expect(big.running).toHaveLength(4);
    }
  });

  it('keeps batches in order: a big one at the head is not overtaken', async () => {
    const { running, attempt } = manualAttempts();
    const queue = new DeliveryQueue(new ManualClock(0), new UploadConcurrency({ ...options, maxUploadBytesInFlight: MIB }), attempt);
    for (let i = 0; i < 4; i += 1) queue.enqueue(batchOf(KIB));
    const big = batchOf(32 * MIB);
    queue.enqueue(big);
    queue.enqueue(batchOf(KIB));
    expect(running.map((r) => r.batch.bytes)).toEqual([KIB, KIB, KIB, KIB]);
    (running.shift() as { end: (ok: boolean) => void }).end(true);
    await settle();
    expect(running.map((r) => r.batch)).toContain(big);
  });
});
