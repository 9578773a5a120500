import type { Batcher } from '@sluice/core';

/** One object's share of a route-window whose records pass the batcher's caps. */
export interface CappedPiece {
  readonly bodies: Buffer[];
  /** Accept time of the first record of the chunk the piece starts in: its key's timestamp. */
  readonly openedAt: number;
  events: number;
  bytes: number;
}

/**
 * Cuts a route-window's chunks into pieces that each keep within the batcher's caps
 * (`maxEvents`, `maxBytes`), record by record (each ends with a newline), in stream order.
 * Only the content decides the cut, so every owner that rebuilds the batch cuts it the same
 * way. Returns undefined when the whole fits in one object, which is the common case and
 * costs no scan.
 */
export function splitByCaps(
  bodies: readonly Buffer[],
  openedAts: readonly number[],
  events: number,
  bytes: number,
  batcher: Pick<Batcher, 'wouldOverflow'>,
): CappedPiece[] | undefined {
  // A batch fits if adding its last byte as one more event to the rest would: exact for caps that add up.
  if (events <= 1 || !batcher.wouldOverflow({ events: events - 1, bytes: bytes - 1 }, 1)) return undefined;
  const pieces: CappedPiece[] = [];
  let current: CappedPiece | undefined;
  for (const [index, body] of bodies.entries()) {
    const openedAt = openedAts[index] ?? 0;
    let runStart = 0;
    let at = 0;
    while (at < body.length) {
      const newline = body.indexOf(10, at);
      const end = newline < 0 ? body.length : newline + 1;
      const size = end - at;
      if (!current || (current.events > 0 && batcher.wouldOverflow({ events: current.events, bytes: current.bytes }, size))) {
        if (current && at > runStart) current.bodies.push(body.subarray(runStart, at));
        runStart = at;
        current = { bodies: [], openedAt, events: 0, bytes: 0 };
        pieces.push(current);
      }
      current.events += 1;
      current.bytes += size;
      at = end;
    }
    if (current && body.length > runStart) current.bodies.push(body.subarray(runStart));
  }
  return pieces;
}
