import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/ManualClock.js';
import { DeliveryQueue, STARTS_PER_TURN } from './DeliveryQueue.js';
import { UploadConcurrency } from './UploadConcurrency.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the delivery queue', () => {
  it('starts a few attempts per turn of the event loop, in order, and every one in the end', async () => {
    const concurrency = new UploadConcurrency({ maxConcurrentUploads: 32, maxConcurrentSmallUploads: 32, maxUploadBytesInFlight: 16 * 1024 * 1024 });
    const started: number[] = [];
    const queue = new DeliveryQueue<{ bytes: number; n: number }>(new ManualClock(), concurrency, (batch) => {
      started.push(batch.n);
      return Promise.resolve(true);
    });
    for (let n = 0; n < 20; n += 1) queue.enqueue({ bytes: 100, n });
    const perTurn = [started.length];
    while (started.length < 20) {
      await turn();
      perTurn.push(started.length);
    }
    expect(perTurn[0]).toBe(STARTS_PER_TURN);
    expect(perTurn.every((count, i) => i === 0 || count - (perTurn[i - 1] as number) <= STARTS_PER_TURN)).toBe(true);
    expect(started).toEqual(Array.from({ length: 20 }, (_, n) => n));
    await queue.stop(new Error('done'));
  });
});
