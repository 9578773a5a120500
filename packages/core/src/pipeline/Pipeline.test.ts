import { describe, expect, it } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { BackpressureError } from '../errors/BackpressureError.js';
import { EventTooLargeError } from '../errors/EventTooLargeError.js';
import { SerializationError } from '../errors/SerializationError.js';
import { ValidationError } from '../errors/ValidationError.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';

describe('send() through the pipeline', () => {
  it('returns a receipt synchronously and uploads nothing until the minute ends', async () => {
    const { clock, destination, send } = recordingSluice();
    const receipt = send('a', { n: 1 });
    expect(receipt.id).toMatch(/^test-producer-[0-9a-f]{8}-0$/);
    await clock.advance(1_000);
    expect(destination.objects).toHaveLength(0);
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    expect(destination.objects).toHaveLength(1);
    expect(await receipt.delivered).toMatchObject({ id: receipt.id, destination: 'recording', key: destination.objects[0]?.key });
  });

  it('puts all events of one route and minute in one object, in send order, and other minutes and routes apart', async () => {
    const { clock, destination, send } = recordingSluice();
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
    const { sluice, destination, send } = recordingSluice();
    const payload = { items: [1] };
    send('a', payload);
    payload.items.push(2);
    await sluice.flush();
    expect(destination.objects[0]?.payloads).toEqual([{ items: [1] }]);
  });

  it('splits a window when the batcher caps it, into batches with distinct identities', async () => {
    const { sluice, destination, send } = recordingSluice({ maxEvents: 2 });
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
    const { sluice, destination, send } = recordingSluice();
    send('a', 'before');
    expect(() => sluice.sendTo('recording', { stream: '', payload: 1 })).toThrow(ValidationError);
    expect(() => sluice.sendTo('recording', { stream: 'a' })).toThrow(/\/payload: is missing; is required/);
    expect(() => sluice.sendTo('recording', { stream: 'a', payload: 1, colour: 'red' })).toThrow(
      /\/colour: is not a known option \(known: stream, payload, id\)/,
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
    const { send } = recordingSluice({ sluice: { maxEventBytes: 100 } });
    expect(() => send('a', 'x'.repeat(200))).toThrow(EventTooLargeError);
    expect(() => send('a', 'x'.repeat(200))).toThrow(/203 bytes, over the limit of 100 bytes/);
    expect(() => send('a', 'x'.repeat(90))).not.toThrow();
  });

  it('names unknown destinations', () => {
    const { sluice } = recordingSluice();
    expect(() => sluice.sendTo('nope', { payload: 1 })).toThrow(/No destination named "nope".*installed: recording/);
  });

  it('counts made-up ids batch by batch when sends to two routes interleave', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
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
    const { sluice } = recordingSluice({ destinations: [a, b] });
    sluice.sendTo('alpha', { stream: 's', payload: 1, id: 'event-1' });
    sluice.sendTo('beta', { stream: 's', payload: 1, id: 'event-1' });
    expect(sluice.deliveredCount('event-1')).toBe(0);
    await sluice.flush();
    expect(sluice.deliveredCount('event-1')).toBe(2);
  });

  it('throws BackpressureError past maxPendingBytes, enqueues nothing, and is ready again once delivered', async () => {
    const { clock, sluice, destination, send } = recordingSluice({ sluice: { maxPendingBytes: 100, maxEventBytes: 100 } });
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
});
