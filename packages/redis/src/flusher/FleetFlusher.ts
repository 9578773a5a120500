import { randomBytes } from 'node:crypto';
import type { Clock, IntakeDestination, Logger } from '@sluice/core';
import type { FleetOptions } from '../config.js';
import type { FleetRedis } from '../redis/FleetRedis.js';
import { membersKey, shardKeys } from '../redis/shardKeys.js';
import type { FleetRouteStats } from './FleetRouteStats.js';
import type { FleetStats } from './FleetStats.js';
import { ShardOwner, type ShardOwnerParts } from './ShardOwner.js';

interface Owned {
  readonly owner: ShardOwner;
  readonly holder: string;
}

export interface FleetFlusherParts {
  readonly redis: FleetRedis;
  readonly options: FleetOptions;
  readonly destinations: ReadonlyMap<string, IntakeDestination>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stats: FleetStats;
  readonly routeStats: FleetRouteStats;
  /** The sluice's retry policy, dead-letter delay and events, for the shard owners. */
  readonly delivery: ShardOwnerParts['delivery'];
  /** Keep the process alive while flushing (a process that only flushes has nothing else to). */
  readonly holdProcess: boolean;
}

/**
 * A process's part in sharing the shards. Every third of `leaseMs` it beats its heartbeat
 * into the members set (Redis time), reads the live members, and takes its share: shard s
 * goes to the (s mod n)-th member in id order. It renews the leases it holds, lets go of
 * shards now assigned to another (after stopping their owner), and takes its assigned shards
 * whose lease is free. A flusher that dies drops out of the members and loses its leases
 * after `leaseMs`; the next heartbeat of the others takes its shards.
 */
export class FleetFlusher {
  readonly #parts: FleetFlusherParts;
  readonly member = randomBytes(8).toString('hex');
  readonly #owned = new Map<number, Owned>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(parts: FleetFlusherParts) {
    this.#parts = parts;
  }

  start(): void {
    // I/O cadence, not time logic: a real timer.
    this.#timer = setInterval(() => this.#beat(), Math.max(100, Math.floor(this.#parts.options.leaseMs / 3)));
    if (!this.#parts.holdProcess) this.#timer.unref();
    this.#beat();
  }

  /** Shards this process owns now. */
  owned(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  /** Stops every owner, releases their leases and leaves the members, so others take over at once. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      await this.#beating;
      const { redis, options } = this.#parts;
      await Promise.all([...this.#owned.keys()].map((shard) => this.#release(shard)));
      await redis.scripts.sluiceMembers(membersKey(options.keyPrefix), this.member, options.leaseMs, 'leave').catch(() => {});
    })();
    return this.#closing;
  }

  #beat(): void {
    if (this.#beating || this.#closing) return;
    this.#beating = this.#share()
      .catch((error: unknown) => this.#parts.logger.warn('sharing shards failed; retrying', { url: this.#parts.redis.url, error: String(error) }))
      .finally(() => (this.#beating = undefined));
  }

  async #share(): Promise<void> {
    const { redis, options, stats } = this.#parts;
    const members = ((await redis.scripts.sluiceMembers(membersKey(options.keyPrefix), this.member, options.leaseMs, 'join')) as string[]).sort();
    const index = members.indexOf(this.member);
    const assigned = new Set<number>();
    for (let shard = 0; shard < options.shards; shard += 1) if (index >= 0 && shard % members.length === index) assigned.add(shard);
    await Promise.all(
      [...this.#owned].map(async ([shard, { holder }]) => {
        if (!assigned.has(shard)) return this.#release(shard);
        const renewed = Number(await redis.scripts.sluiceRenew(shardKeys(options.keyPrefix, shard).lease, holder, options.leaseMs));
        if (renewed !== 1 && this.#owned.get(shard)?.holder === holder) {
          stats.leasesLost += 1;
          this.#parts.logger.warn('lost the lease of a shard; another flusher owns it now', { shard });
          await this.#drop(shard);
        }
      }),
    );
    await Promise.all(
      [...assigned].filter((shard) => !this.#owned.has(shard)).map(async (shard) => {
        const keys = shardKeys(options.keyPrefix, shard);
        const token = Number(await redis.scripts.sluiceAcquire(keys.lease, keys.epoch, this.member, options.leaseMs));
        if (token < 0 || this.#closing) {
          if (token >= 0) await redis.scripts.sluiceRelease(keys.lease, `${this.member} ${token}`);
          return;
        }
        this.#take(shard, `${this.member} ${token}`);
      }),
    );
    stats.ownedShards = this.#owned.size;
  }

  #take(shard: number, holder: string): void {
    const owner = new ShardOwner({
      ...this.#parts,
      shard,
      holder,
      onLost: () => {
        if (this.#owned.get(shard)?.owner === owner) this.#owned.delete(shard);
      },
    });
    this.#owned.set(shard, { owner, holder });
    this.#parts.logger.info('took a shard', { shard, holder });
    owner.start();
  }

  /** Stops the owner of `shard` and forgets it (its lease is gone already). */
  async #drop(shard: number): Promise<void> {
    const owned = this.#owned.get(shard);
    this.#owned.delete(shard);
    await owned?.owner.stop();
  }

  /** Stops the owner of `shard`, then frees its lease for the flusher it is assigned to. */
  async #release(shard: number): Promise<void> {
    const owned = this.#owned.get(shard);
    if (!owned) return;
    await this.#drop(shard);
    await this.#parts.redis.scripts.sluiceRelease(shardKeys(this.#parts.options.keyPrefix, shard).lease, owned.holder).catch(() => {});
  }
}
