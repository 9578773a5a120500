/** The Redis keys of one shard: all under one hash tag, so a Lua script may touch them together, even on a Cluster. */
export interface ShardKeys {
  /** The stream: record chunks appended by producers, seal markers by the owner. */
  readonly log: string;
  /** `<member> <token>` of the owner, expiring unless renewed. */
  readonly lease: string;
  /** The last fencing token handed out; only ever incremented. */
  readonly epoch: string;
  /** Hash: `id`, the first stream id not yet delivered, and `sealedUpTo` as of that id. */
  readonly offset: string;
  /** Hash: identifiers of batches delivered whose seal marker is still in the stream → that marker's id. */
  readonly done: string;
  /** Record bytes appended and not yet trimmed (the backlog). */
  readonly bytes: string;
  /** Prefix of the keys that make a producer's retried append count once. */
  readonly appendPrefix: string;
  /** Stream of dead letters: batches given up on, one entry each, with their records and why. */
  readonly dead: string;
}

export function shardKeys(prefix: string, shard: number): ShardKeys {
  const tag = `{${prefix}:${shard}}`;
  return {
    log: `${tag}:log`,
    lease: `${tag}:lease`,
    epoch: `${tag}:epoch`,
    offset: `${tag}:offset`,
    done: `${tag}:done`,
    bytes: `${tag}:bytes`,
    appendPrefix: `${tag}:append:`,
    dead: `${tag}:dead`,
  };
}

/** The sorted set of live flushers (score: last heartbeat, Redis time). */
export function membersKey(prefix: string): string {
  return `${prefix}:members`;
}
