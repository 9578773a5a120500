import { describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '@sluice/core';
import { newRecentEvent } from './RecentEvent.js';
import { RecentEvents, type RecentEventsChange } from './RecentEvents.js';

const entry = (id: string, route = 's3://b/p/') => ({ id, acceptedAt: 0, destination: 's3', bucket: 'b', prefix: 'p', route, payload: { id } });
const delivered = (route: string, key: string): DeliveredEvent => ({ destination: 's3', route, key, location: `s3://b/${key}`, events: 1, bytes: 10, recordBytes: 20, openedAt: 0, deliveredAt: 1, parts: 1, alreadyExisted: false, attempts: 1 });

describe('RecentEvents', () => {
  it('keeps the last `capacity` events, oldest first', () => {
    const recent = new RecentEvents(3, () => 0);
    recent.add(['a', 'b'].map((id) => entry(id)));
    recent.add(['c', 'd'].map((id) => entry(id)));
    expect(recent.list().map((e) => e.id)).toEqual(['b', 'c', 'd']);
    expect(recent.get('a')).toBeUndefined();
    recent.add(['e', 'f', 'g', 'h', 'i'].map((id) => entry(id)));
    expect(recent.list().map((e) => [e.id, e.seq])).toEqual([['g', 6], ['h', 7], ['i', 8]]);
    expect([recent.get('d'), recent.get('i')?.id]).toEqual([undefined, 'i']);
  });

  it('keeps the objects it is given, numbered and pending, each with every field of an event in one order', () => {
    const recent = new RecentEvents(2, () => 0);
    recent.add([entry('a')]);
    const given = [newRecentEvent('b', 5, 's3', 'b', 'p', 's3://b/p/', { n: 1 }), newRecentEvent('c', 6, 's3', 'b', 'p', 's3://b/p/', { n: 2 })];
    recent.add(given);
    expect(recent.list()).toEqual([
      { seq: 1, id: 'b', acceptedAt: 5, destination: 's3', bucket: 'b', prefix: 'p', route: 's3://b/p/', payload: { n: 1 }, status: 'pending', dest: 0, key: undefined, lastError: undefined },
      { seq: 2, id: 'c', acceptedAt: 6, destination: 's3', bucket: 'b', prefix: 'p', route: 's3://b/p/', payload: { n: 2 }, status: 'pending', dest: 0, key: undefined, lastError: undefined },
    ]);
    expect(recent.list()[0]).toBe(given[0]);
    expect(Object.keys(recent.list()[0] ?? {})).toEqual(['seq', 'id', 'acceptedAt', 'destination', 'bucket', 'prefix', 'route', 'payload', 'status', 'dest', 'key', 'lastError']);
  });

  it('marks delivered, with the key and the Dest count, only the events of the route whose count rose', () => {
    const counts = new Map<string, number>();
    const changes: RecentEventsChange[] = [];
    const recent = new RecentEvents(10, (id) => counts.get(id) ?? 0, (change) => changes.push(change));
    recent.add([entry('a'), entry('b'), entry('c', 's3://b/other/')]);
    counts.set('a', 1);
    recent.delivered(delivered('s3://b/p/', 'p/key-1.gz'));
    expect(recent.get('a')).toMatchObject({ status: 'delivered', dest: 1, key: 'p/key-1.gz' });
    expect(recent.get('b')).toMatchObject({ status: 'pending', dest: 0, key: undefined });
    expect(recent.get('c')).toMatchObject({ status: 'pending' });
    expect(changes.at(-1)?.updated.map((e) => e.id)).toEqual(['a']);
  });

  it('shows failing routes as retrying and given-up batches as dead letters', () => {
    const recent = new RecentEvents(10, () => 0);
    recent.add([entry('a')]);
    recent.deliveryError({ destination: 's3', route: 's3://b/p/', key: undefined, events: 1, attempt: 1, retryable: true, retryInMs: 1000, code: 'SlowDown', error: new Error() });
    expect(recent.get('a')).toMatchObject({ status: 'retrying', lastError: 'SlowDown' });
    recent.deadLetter({ identifier: 'x', destination: 's3', route: 's3://b/p/', key: undefined, events: 1, bytes: 1, reason: { at: 0, code: 'AccessDenied', message: '', attempts: 9, firstFailureAt: 0 } });
    expect(recent.get('a')).toMatchObject({ status: 'dead-letter', lastError: 'AccessDenied' });
  });
  it('finds the most recent event of an id, and none once it left the ring', () => {
    const recent = new RecentEvents(3, () => 0);
    const first = entry('a');
    recent.add([first, entry('b')]);
    const second = entry('a');
    recent.add([second]);
    expect(recent.get('a')).toBe(second);
    recent.add([entry('c'), entry('d'), entry('e')]);
    expect(recent.get('a')).toBeUndefined();
    expect(new RecentEvents(2, () => 0).get('a')).toBeUndefined();
  });

  it('reports a delivery, an error or a dead letter only for events still in the ring, however many left it', () => {
    const counts = new Map<string, number>();
    const changes: RecentEventsChange[] = [];
    const recent = new RecentEvents(4, (id) => counts.get(id) ?? 0, (change) => changes.push(change));
    // Many more events than the ring holds, on one route that is never delivered, in requests
    // that do not fill the ring and that do: only the last four (one of them on another route) can be reported.
    for (let i = 0; i < 30; i += 1) recent.add(i % 7 === 0 ? ['w', 'x', 'y', 'z'].map((id) => entry(`${id}${i}`)) : [entry(`e${i}`)]);
    recent.add([entry('other', 's3://b/other/')]);
    for (const { id } of recent.list()) counts.set(id, 1);
    for (let i = 0; i < 30; i += 1) counts.set(`e${i}`, 1);
    recent.deliveryError({ destination: 's3', route: 's3://b/p/', key: undefined, events: 1, attempt: 1, retryable: true, retryInMs: 1000, code: 'SlowDown', error: new Error() });
    expect(changes.at(-1)?.updated.map((e) => e.id)).toEqual(['y28', 'z28', 'e29']);
    recent.delivered(delivered('s3://b/p/', 'p/key-1.gz'));
    expect(changes.at(-1)?.updated.map((e) => [e.id, e.status, e.key])).toEqual([
      ['y28', 'delivered', 'p/key-1.gz'],
      ['z28', 'delivered', 'p/key-1.gz'],
      ['e29', 'delivered', 'p/key-1.gz'],
    ]);
    // Delivered events are no longer the route's undelivered ones.
    const before = changes.length;
    recent.deadLetter({ identifier: 'x', destination: 's3', route: 's3://b/p/', key: undefined, events: 1, bytes: 1, reason: { at: 0, code: 'AccessDenied', message: '', attempts: 9, firstFailureAt: 0 } });
    expect(changes.length).toBe(before);
    expect(recent.get('other')).toMatchObject({ status: 'pending' });
  });

  it('reports events added whole to a full ring as pending of their own route', () => {
    const counts = new Map<string, number>();
    const changes: RecentEventsChange[] = [];
    const recent = new RecentEvents(2, (id) => counts.get(id) ?? 0, (change) => changes.push(change));
    recent.add([entry('a', 's3://b/old/'), entry('b', 's3://b/old/')]);
    recent.add([entry('c'), entry('d')]);
    expect(changes.at(-1)?.added.map((e) => e.id)).toEqual(['c', 'd']);
    counts.set('a', 1).set('c', 1).set('d', 1);
    recent.delivered(delivered('s3://b/old/', 'old/key.gz'));
    expect(recent.list().map((e) => e.status)).toEqual(['pending', 'pending']);
    recent.delivered(delivered('s3://b/p/', 'p/key.gz'));
    expect(recent.list().map((e) => [e.id, e.status])).toEqual([
      ['c', 'delivered'],
      ['d', 'delivered'],
    ]);
  });
});
