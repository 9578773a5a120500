import { createHash } from 'node:crypto';

/**
 * The identifier of a fleet batch: derived from its place in its shard's stream (the seal
 * marker that closed it), never from who wrote it, so whichever owner uploads it writes the
 * same key. `piece` numbers the objects of a route-window the batcher's caps split, from 0
 * (the first piece has the identifier of an unsplit batch).
 */
export function windowBatchIdentifier(keyPrefix: string, shard: number, destination: string, routeId: string, windowStart: number, late: boolean, markerId: string, piece = 0): string {
  const name = `${keyPrefix}\u0000${shard}\u0000${destination}\u0000${routeId}\u0000${windowStart}\u0000${late ? 'late' : 'window'}\u0000${markerId}`;
  return createHash('sha256')
    .update(piece === 0 ? name : `${name}\u0000piece\u0000${piece}`)
    .digest('hex');
}
