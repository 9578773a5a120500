import { createHash } from 'node:crypto';

/** The shard of a destination's route: stable across processes, versions and hosts. */
export function shardOf(destination: string, routeId: string, shards: number): number {
  return createHash('sha1').update(`${destination}\u0000${routeId}`).digest().readUInt32BE(0) % shards;
}
