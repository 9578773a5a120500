import { describe, expect, it } from 'vitest';
import { MinuteBatcher } from '@sluice/batcher-minute';
import { splitByCaps } from './splitByCaps.js';
import { windowBatchIdentifier } from './windowBatchIdentifier.js';

const records = (from: number, to: number) => Buffer.from([...Array(to - from).keys()].map((n) => `{"id":${from + n}}\n`).join(''));
const ids = (bodies: readonly Buffer[]) => Buffer.concat(bodies).toString('utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
const capped = (maxEvents: number, maxBytes = 0) => new MinuteBatcher({ maxEvents, maxBytes });

describe('splitByCaps', () => {
  // Three chunks of one route-window, as the stream holds them: 4, 7 and 9 records.
  const bodies = [records(0, 4), records(4, 11), records(11, 20)];
  const openedAts = [1_000, 2_000, 3_000];
  const bytes = bodies.reduce((sum, body) => sum + body.length, 0);

  it('keeps a route-window within the caps whole, without scanning it', () => {
    expect(splitByCaps(bodies, openedAts, 20, bytes, capped(20))).toBeUndefined();
    expect(splitByCaps(bodies, openedAts, 20, bytes, capped(0, bytes))).toBeUndefined();
  });

  it('cuts a route-window over maxEvents into pieces of at most maxEvents, every record once and in order', () => {
    const pieces = splitByCaps(bodies, openedAts, 20, bytes, capped(6)) ?? [];
    expect(pieces.map((piece) => piece.events)).toEqual([6, 6, 6, 2]);
    expect(pieces.map((piece) => ids(piece.bodies))).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 16, 17], [18, 19]]);
    // Each piece's key time is the accept time of the chunk it starts in.
    expect(pieces.map((piece) => piece.openedAt)).toEqual([1_000, 2_000, 3_000, 3_000]);
    expect(pieces.reduce((sum, piece) => sum + piece.bytes, 0)).toBe(bytes);
  });

  it('cuts by maxBytes at record boundaries', () => {
    const pieces = splitByCaps(bodies, openedAts, 20, bytes, capped(0, 40)) ?? [];
    expect(pieces.every((piece) => piece.bytes <= 40 && Buffer.concat(piece.bodies).toString().endsWith('\n'))).toBe(true);
    expect(pieces.flatMap((piece) => ids(piece.bodies))).toEqual([...Array(20).keys()]);
  });

  it('cuts the same way, under the same names, for any owner that rebuilds the batch (after a failover)', () => {
    // A new owner reads the same chunks from the stream (other Buffers, same bytes).
    const again = bodies.map((body) => Buffer.from(body));
    const name = (piece: number) => windowBatchIdentifier('sluice', 3, 's3', 's3://b/p/', 60_000, false, '1700000000000-0', piece);
    const first = (splitByCaps(bodies, openedAts, 20, bytes, capped(6)) ?? []).map((piece, index) => ({ ...piece, identifier: name(index) }));
    const second = (splitByCaps(again, openedAts, 20, bytes, capped(6)) ?? []).map((piece, index) => ({ ...piece, identifier: name(index) }));
    expect(second).toEqual(first);
    expect(new Set(first.map((piece) => piece.identifier)).size).toBe(4);
    // An unsplit batch keeps the identifier it had before caps applied.
    expect(name(0)).toBe(windowBatchIdentifier('sluice', 3, 's3', 's3://b/p/', 60_000, false, '1700000000000-0'));
  });
});
