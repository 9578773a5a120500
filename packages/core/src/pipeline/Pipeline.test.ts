import { ContainerModule } from 'inversify';
import { describe, expect, it, vi } from 'vitest';
import type { Batcher } from '../batch/Batcher.js';
import { createSluice } from '../createSluice.js';
import { BATCHER, CLOCK, DESTINATION, LOGGER, SPOOL } from '../di/tokens.js';
import { BackpressureError } from '../errors/BackpressureError.js';
import { MemorySpool } from '../spool/MemorySpool.js';
import type { RecoveredBatch, Spool, SpooledBatchMeta } from '../spool/Spool.js';
import { ClosedError } from '../errors/ClosedError.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import { EventTooLargeError } from '../errors/EventTooLargeError.js';
import { SerializationError } from '../errors/SerializationError.js';
import { ShutdownTimeoutError } from '../errors/ShutdownTimeoutError.js';
import { ValidationError } from '../errors/ValidationError.js';
import type { DeliveryErrorEvent } from './SluiceEvents.js';
import { ManualClock } from '../testing/ManualClock.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';

/** One-minute windows, optionally capped by event count: the shape of the minute batcher. */
function minuteRule(maxEvents = Infinity): Batcher {
  return {
    windowOf: (now) => ({ start: now - (now % 60_000), end: now - (now % 60_000) + 60_000 }),
    wouldOverflow: (fill) => fill.events + 1 > maxEvents,
  };
}

function setup(
  options: { maxEvents?: number; destinations?: RecordingDestination[]; maxEventBytes?: number; maxPendingBytes?: number; spool?: Spool } = {},
) {
  const clock = new ManualClock('2024-05-25T16:14:58.000Z');
  const destinations = options.destinations ?? [new RecordingDestination()];
  const sluice = createSluice({
    drainOnExit: false,
    logLevel: 'silent',
    producerId: 'test-producer',
    ...(options.maxEventBytes ? { maxEventBytes: options.maxEventBytes } : {}),
    ...(options.maxPendingBytes ? { maxPendingBytes: options.maxPendingBytes } : {}),
    deadLetterAfterMs: 3_600_000,
    retry: { initialDelayMs: 1_000, maxDelayMs: 8_000, permanentErrorDelayMs: 300_000 },
    modules: [
      new ContainerModule(({ bind }) => {
        bind(CLOCK).toConstantValue(clock);
        bind(BATCHER).toConstantValue(minuteRule(options.maxEvents));
        if (options.spool) bind(SPOOL).toConstantValue(options.spool);
        for (const destination of destinations) bind(DESTINATION).toConstantValue(destination);
      }),
    ],
  });
  const [destination] = destinations as [RecordingDestination];
  const send = (stream: string, payload: unknown, id?: string) =>
    sluice.sendTo(destination.name, id ? { stream, payload, id } : { stream, payload });
  return { clock, sluice, destination, send };
}

describe('Pipeline', () => {
  it('returns a receipt synchronously and uploads nothing until the minute ends', async () => {
    const { clock, destination, send } = setup();
    const receipt = send('a', { n: 1 });
    expect(receipt.id).toMatch(/^test-producer-[0-9a-f]{8}-0$/);
    await clock.advance(1_000);
    expect(destination.objects).toHaveLength(0);
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    expect(destination.objects).toHaveLength(1);
    expect(await receipt.delivered).toMatchObject({ id: receipt.id, destination: 'recording', key: destination.objects[0]?.key });
  });

  it('puts all events of one route and minute in one object, in send order, and other minutes and routes apart', async () => {
    const { clock, destination, send } = setup();
    for (let i = 0; i < 30; i += 1) send('a', { i });
    send('b', 'other stream');
    await clock.advanceTo('2024-05-25T16:15:30.000Z');
    send('a', 'next minute');
    await clock.advanceTo('2024-05-25T16:16:00.000Z');

    const byStream = destination.objects.map((o) => [o.batch.target.stream, o.batch.window.start, o.payloads.length]);
    expect(byStream).toEqual([
      ['a', Date.parse('2024-05-25T16:14:00Z'), 30],
      ['b', Date.parse('2024-05-25T16:14:00Z'), 1],
      ['a', Date.parse('2024-05-25T16:15:00Z'), 1],
    ]);
    expect(destination.objects[0]?.payloads).toEqual(Array.from({ length: 30 }, (_, i) => ({ i })));
    expect(destination.objects[0]?.batch.openedAt).toBe(Date.parse('2024-05-25T16:14:58.000Z'));
  });

  it('delivers what was sent, not what the object became afterwards', async () => {
    const { sluice, destination, send } = setup();
    const payload = { items: [1] };
    send('a', payload);
    payload.items.push(2);
    await sluice.flush();
    expect(destination.objects[0]?.payloads).toEqual([{ items: [1] }]);
  });

  it('splits a window when the batcher caps it, into batches with distinct identities', async () => {
    const { sluice, destination, send } = setup({ maxEvents: 2 });
    for (let i = 0; i < 5; i += 1) send('a', i);
    await sluice.flush();
    expect(destination.objects.map((o) => [o.batch.identity.sequence, o.payloads])).toEqual([
      [0, [0, 1]],
      [1, [2, 3]],
      [2, [4]],
    ]);
    expect(new Set(destination.objects.map((o) => o.batch.identifier)).size).toBe(3);
    for (const o of destination.objects) expect(o.batch.identifier).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects bad parameters with the field, value and rule, and keeps every other event', async () => {
    const { sluice, destination, send } = setup();
    send('a', 'before');
    expect(() => sluice.sendTo('recording', { stream: '', payload: 1 })).toThrow(ValidationError);
    expect(() => sluice.sendTo('recording', { stream: 'a' })).toThrow(/\/payload: is missing; is required/);
    expect(() => sluice.sendTo('recording', { stream: 'a', payload: 1, colour: 'red' })).toThrow(
      /\/colour: "red" is invalid: is not a known option \(known: stream, payload, id\)/,
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => send('a', circular)).toThrow(SerializationError);
    expect(() => send('a', 10n)).toThrow(SerializationError);
    expect(() => send('a', () => 1)).toThrow(SerializationError);
    send('a', 'after');
    await sluice.flush();
    expect(destination.objects.flatMap((o) => o.payloads)).toEqual(['before', 'after']);
  });

  it('rejects an event over maxEventBytes, saying the size and the limit', () => {
    const { send } = setup({ maxEventBytes: 100 });
    expect(() => send('a', 'x'.repeat(200))).toThrow(EventTooLargeError);
    expect(() => send('a', 'x'.repeat(200))).toThrow(/203 bytes, over the limit of 100 bytes/);
    expect(() => send('a', 'x'.repeat(90))).not.toThrow();
  });

  it('names unknown destinations', () => {
    const { sluice } = setup();
    expect(() => sluice.sendTo('nope', { payload: 1 })).toThrow(/No destination named "nope".*installed: recording/);
  });

  it('retries a failed batch with backoff until it is stored, once', async () => {
    const { clock, sluice, destination, send } = setup();
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
    const { clock, sluice, destination, send } = setup();
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

  it('counts made-up ids batch by batch when sends to two routes interleave', async () => {
    const { clock, sluice, destination, send } = setup();
    const routes = ['a', 'a', 'b', 'a', 'b', 'b', 'a'];
    const receipts = routes.map((route, i) => send(route, i));
    destination.failNext(1); // one of the two batches is not delivered yet
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    const counts = receipts.map((r) => sluice.deliveredCount(r.id));
    const of = (route: string) => [...new Set(counts.filter((_, i) => routes[i] === route))];
    expect([of('a'), of('b')].sort()).toEqual([[0], [1]]);
    await clock.advance(10_000);
    expect(receipts.map((r) => sluice.deliveredCount(r.id))).toEqual(Array(7).fill(1));
    expect(['test-producer-7', 'test-producer-z', 'other-producer-1'].map((id) => sluice.deliveredCount(id))).toEqual([0, 0, 0]);
  });

  it('counts one event sent to two destinations under one id as delivered twice', async () => {
    const a = new RecordingDestination('alpha');
    const b = new RecordingDestination('beta');
    const { sluice } = setup({ destinations: [a, b] });
    sluice.sendTo('alpha', { stream: 's', payload: 1, id: 'event-1' });
    sluice.sendTo('beta', { stream: 's', payload: 1, id: 'event-1' });
    expect(sluice.deliveredCount('event-1')).toBe(0);
    await sluice.flush();
    expect(sluice.deliveredCount('event-1')).toBe(2);
  });

  it('flush() delivers open batches now; close() drains, stops every timer and refuses new events', async () => {
    const { clock, sluice, destination, send } = setup();
    send('a', 1);
    await sluice.flush();
    expect(destination.objects).toHaveLength(1);
    send('b', 2);
    const closing = sluice.close();
    expect(sluice.close()).toBe(closing);
    await closing;
    expect(destination.objects).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
    expect(() => send('a', 3)).toThrow(ClosedError);
    expect(() => send('a', 3)).toThrow(/closed: send\(\) is not accepted after close\(\)/);
  });

  it('close({ timeoutMs }) gives up on a batch that keeps failing and says how many events', async () => {
    const { clock, sluice, destination, send } = setup();
    destination.failNext(1000);
    send('a', 1);
    send('a', 2);
    const closing = sluice.close({ timeoutMs: 30_000 });
    const outcome = vi.fn();
    closing.then(outcome, outcome);
    await clock.advance(30_000);
    expect(outcome).toHaveBeenCalledWith(expect.any(ShutdownTimeoutError));
    expect(String(outcome.mock.calls[0]?.[0])).toMatch(/1 batch\(es\) holding 2 event\(s\) are undelivered/);
    expect(clock.pendingTimers).toBe(0);
  });

  it('throws BackpressureError past maxPendingBytes, enqueues nothing, and is ready again once delivered', async () => {
    const { clock, sluice, destination, send } = setup({ maxPendingBytes: 100, maxEventBytes: 100 });
    destination.failNext(2);
    for (let i = 0; i < 8; i += 1) send('a', `abcdefg${i}`); // 8 × 11 bytes ('"abcdefg0"\n' …)
    expect(sluice.pendingBytes).toBe(88);
    expect(() => send('a', 'x'.repeat(20))).toThrow(BackpressureError);
    expect(() => send('a', 'x'.repeat(20))).toThrow(/88 bytes are accepted and not yet delivered.*limit of 100 bytes.*await sluice\.ready\(\)/);
    const readyEvents: number[] = [];
    sluice.on('ready', () => readyEvents.push(clock.now()));
    let ready = false;
    void sluice.ready().then(() => (ready = true));
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    expect(ready).toBe(false);
    await clock.advance(10_000);
    expect(ready).toBe(true);
    expect(readyEvents).toHaveLength(1);
    expect(sluice.pendingBytes).toBe(0);
    expect(destination.objects.flatMap((o) => o.payloads)).toEqual(Array.from({ length: 8 }, (_, i) => `abcdefg${i}`));
    expect(() => send('a', 'x'.repeat(20))).not.toThrow();
  });

  it('moves a batch failing longer than deadLetterAfterMs to the dead letters, and replays it', async () => {
    const { clock, sluice, destination, send } = setup();
    const letters: unknown[] = [];
    sluice.on('deadLetter', (letter) => letters.push(letter));
    destination.failNext(1_000, new DeliveryError('denied', { code: 'AccessDenied', retryable: false, location: 'recording://a' }));
    send('a', 1);
    send('a', 2);
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    await clock.advance(3_600_000 + 400_000);
    expect(letters).toHaveLength(1);
    expect(sluice.deadLetters()).toMatchObject([{ events: 2, route: 'a', reason: { code: 'AccessDenied', message: expect.stringContaining('denied') } }]);
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
    const { sluice, destination } = setup({ spool });
    await sluice.flush();
    expect(destination.objects).toHaveLength(1);
    expect(destination.objects[0]).toMatchObject({ key: `a/${identity.windowStart}-3.ndjson`, payloads: ['left', 'behind'] });
    expect(destination.objects[0]?.batch.identity).toEqual(identity);
  });

  it('logs every route\'s health as a structured line at healthLogIntervalMs', async () => {
    const clock = new ManualClock('2024-05-25T16:14:58.000Z');
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = { debug() {}, info: (m: string, f?: Record<string, unknown>) => void lines.push([m, f]), warn() {}, error() {} };
    const destination = new RecordingDestination();
    const sluice = createSluice({
      drainOnExit: false,
      healthLogIntervalMs: 60_000,
      modules: [
        new ContainerModule(({ bind }) => {
          bind(CLOCK).toConstantValue(clock);
          bind(LOGGER).toConstantValue(logger);
          bind(BATCHER).toConstantValue(minuteRule());
          bind(DESTINATION).toConstantValue(destination);
        }),
      ],
    });
    sluice.sendTo('recording', { stream: 'a', payload: 1 });
    await clock.advance(60_000);
    const health = lines.filter(([message]) => message === 'route health').map(([, fields]) => fields);
    expect(health).toEqual([expect.objectContaining({ destination: 'recording', route: 'a', deliveredEvents: 1, pendingEvents: 0, retries: 0 })]);
    await sluice.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
