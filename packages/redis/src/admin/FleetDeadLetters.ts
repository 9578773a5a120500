import { type BatchWindow, type DeadLetterReason, SluiceError } from '@sluice/core';
import { FleetRedis, type StreamEntry } from '../redis/FleetRedis.js';
import { shardKeys } from '../redis/shardKeys.js';

/** A batch a shard owner gave up on, as its shard's dead-letter stream holds it. */
export interface FleetDeadLetter {
  readonly shard: number;
  /** Its entry in the shard's dead-letter stream: what `replay` takes. */
  readonly id: string;
  /** The batch's identifier (key prefix, shard, destination, route, window, seal marker). */
  readonly identifier: string;
  readonly destination: string;
  readonly route: string;
  /** The route's target (S3: bucket and prefix). */
  readonly target: unknown;
  readonly window: BatchWindow;
  /** The object key it would have had. */
  readonly key: string;
  /** Records that came after their window was sealed (a late batch). */
  readonly late: boolean;
  readonly events: number;
  readonly bytes: number;
  readonly reason: DeadLetterReason;
}

export interface FleetDeadLettersOptions {
  /** Redis URL of the fleet (`redis://[user:password@]host:port[/db]`). */
  readonly url: string;
  readonly cluster?: boolean;
  readonly keyPrefix?: string;
  /** The fleet's `shards`: every shard's dead letters are read. */
  readonly shards?: number;
}

/** Entries read per request: a dead letter holds a whole batch's records. */
const PAGE = 20;

/**
 * The dead letters of a fleet, for a person: list them, and replay them (each appended to its
 * shard's stream and removed in one script, so it is delivered once, as a late batch of its
 * window, by the shard's owner). Connects on `open`, which fails with
 * SLUICE_REDIS_UNREACHABLE rather than waiting while Redis cannot be reached.
 */
export class FleetDeadLetters {
  readonly #redis: FleetRedis;
  readonly #keyPrefix: string;
  readonly #shards: number;

  private constructor(redis: FleetRedis, keyPrefix: string, shards: number) {
    this.#redis = redis;
    this.#keyPrefix = keyPrefix;
    this.#shards = shards;
  }

  static async open(options: FleetDeadLettersOptions): Promise<FleetDeadLetters> {
    const redis = new FleetRedis(options.url, options.cluster ?? false);
    try {
      await new Promise<void>((resolve, reject) => {
        redis.client.once('ready', resolve);
        // FleetRedis's own listener ran first and holds the error, password masked.
        redis.client.once('error', () => reject(redis.startError ?? new SluiceError('SLUICE_REDIS_UNREACHABLE', `Could not reach Redis at ${redis.url}.`)));
      });
    } catch (error) {
      redis.close();
      throw error;
    }
    return new FleetDeadLetters(redis, options.keyPrefix ?? 'sluice', options.shards ?? 16);
  }

  /** The redacted URL. */
  get url(): string {
    return this.#redis.url;
  }

  /** Every dead letter, shard by shard, oldest first. */
  async list(): Promise<FleetDeadLetter[]> {
    const letters: FleetDeadLetter[] = [];
    for (let shard = 0; shard < this.#shards; shard += 1) {
      const { dead } = shardKeys(this.#keyPrefix, shard);
      let from = '-';
      for (;;) {
        const entries = await this.#redis.read(dead, from, PAGE);
        for (const entry of entries) letters.push(describe(shard, entry));
        if (entries.length < PAGE) break;
        from = `(${(entries.at(-1) as StreamEntry).id}`;
      }
    }
    return letters;
  }

  /** Dead letters in Redis, per shard: a count that needs no record read. */
  async counts(): Promise<number[]> {
    return Promise.all([...Array(this.#shards).keys()].map((shard) => this.#redis.client.xlen(shardKeys(this.#keyPrefix, shard).dead)));
  }

  /** Replays one dead letter; false if it is not there (replayed already). */
  async replay(letter: Pick<FleetDeadLetter, 'shard' | 'id'>): Promise<boolean> {
    const keys = shardKeys(this.#keyPrefix, letter.shard);
    return Number(await this.#redis.scripts.sluiceReplay(keys.dead, keys.log, letter.id)) === 1;
  }

  close(): void {
    this.#redis.close();
  }
}

function describe(shard: number, entry: StreamEntry): FleetDeadLetter {
  const text = (name: string): string => (entry.fields.get(name) ?? Buffer.alloc(0)).toString('utf8');
  const number = (name: string): number => Number(text(name));
  return {
    shard,
    id: entry.id,
    identifier: text('i'),
    destination: text('d'),
    route: text('r'),
    target: JSON.parse(text('g') || 'null'),
    window: { start: number('w'), end: number('e') },
    key: text('k'),
    late: text('l') === '1',
    events: number('n'),
    bytes: entry.fields.get('b')?.length ?? 0,
    reason: { at: number('t'), code: text('c'), message: text('m'), attempts: number('x'), firstFailureAt: number('f') },
  };
}
