import { describe, expect, it } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import { MemorySpool } from '../spool/MemorySpool.js';
import type { RecoveredBatch, Spool, SpooledBatchMeta } from '../spool/Spool.js';
import type { DeliveryErrorEvent } from './SluiceEvents.js';

describe('delivery: retries, dead letters, recovery', () => {
  it('retries a failed batch with backoff until it is stored, once', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
    const errors: DeliveryErrorEvent[] = [];
    sluice.on('deliveryError', (e) => errors.push(e));
    destination.failNext(3);
    const receipt = send('a', 'x');
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ attempt: 1, retryable: true, code: 'InjectedFailure', events: 1 });
    expect(errors[0]?.retryInMs).toBeGreaterThanOrEqual(500);
    expect(errors[0]?.retryInMs).toBeLessThanOrEqual(1_000);
    await clock.advance(60_000);
    expect(errors.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(destination.objects).toHaveLength(1);
    expect(sluice.deliveredCount(receipt.id)).toBe(1);
    const [health] = sluice.health();
    expect(health).toMatchObject({ pendingEvents: 0, deliveredEvents: 1, deliveredObjects: 1, retries: 3, lastError: undefined });
  });

  it('keeps a batch pending after a permanent error, reports it, and retries it slowly', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
    const errors: DeliveryErrorEvent[] = [];
    sluice.on('deliveryError', (e) => errors.push(e));
    destination.failNext(1, new DeliveryError('denied', { code: 'AccessDenied', retryable: false, location: 'recording://a' }));
    send('a', 'x');
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    expect(errors[0]).toMatchObject({ retryable: false, code: 'AccessDenied' });
    expect(errors[0]?.retryInMs).toBeGreaterThanOrEqual(240_000);
    expect(sluice.health()[0]).toMatchObject({ pendingEvents: 1, lastError: { code: 'AccessDenied' } });
    await clock.advance(200_000);
    expect(destination.objects).toHaveLength(0);
    await clock.advance(200_000);
    expect(destination.objects).toHaveLength(1);
  });

  it('moves a batch failing longer than deadLetterAfterMs to the dead letters, and replays it', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
    const letters: unknown[] = [];
    sluice.on('deadLetter', (letter) => letters.push(letter));
    destination.failNext(1_000, new DeliveryError('denied', { code: 'AccessDenied', retryable: false, location: 'recording://a' }));
    send('a', 1);
    send('a', 2);
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    await clock.advance(3_600_000 + 400_000);
    expect(letters).toHaveLength(1);
    expect(sluice.deadLetters()).toMatchObject([{ events: 2, route: 'a', reason: { code: 'AccessDenied' } }]);
    expect(sluice.deadLetters()[0]?.reason.message).toContain('denied');
    expect(sluice.health()[0]).toMatchObject({ deadLetters: 1, pendingEvents: 0 });
    expect(sluice.pendingBytes).toBe(0);
    await sluice.flush(); // a dead letter does not hold flush() up

    destination.clearFailures();
    expect(sluice.replayDeadLetters()).toBe(1);
    await sluice.flush();
    expect(sluice.deadLetters()).toEqual([]);
    expect(destination.objects[0]?.payloads).toEqual([1, 2]);
  });

  it('delivers batches a durable spool recovered, under their original identity and key', async () => {
    const identity = { routeId: 'a', windowStart: Date.parse('2024-05-25T16:10:00Z'), sequence: 3, producerId: 'dead-process', incarnation: 'c0ffee' };
    const meta: SpooledBatchMeta = {
      destination: 'recording',
      routeId: 'a',
      target: { stream: 'a' },
      identity,
      identifier: 'f'.repeat(64),
      window: { start: identity.windowStart, end: identity.windowStart + 60_000 },
      openedAt: identity.windowStart + 5_000,
    };
    const records = new MemorySpool().open(meta);
    records.append('"left"\n');
    records.append('"behind"\n');
    const spool: Spool = {
      open: (m) => new MemorySpool().open(m),
      recover: (): RecoveredBatch[] => [{ meta, batch: records, events: 2, bytes: 16 }],
      close: () => {},
    };
    const { sluice, destination } = recordingSluice({ spool });
    await sluice.flush();
    expect(destination.objects).toHaveLength(1);
    expect(destination.objects[0]).toMatchObject({ key: `a/${identity.windowStart}-3.ndjson`, payloads: ['left', 'behind'] });
    expect(destination.objects[0]?.batch.identity).toEqual(identity);
  });
});
