import { randomBytes } from 'node:crypto';
import { BackpressureError, type IntakeRecord, type Logger, SluiceError } from '@sluice/core';
import type { FleetOptions } from '../config.js';
import type { FleetRedis } from '../redis/FleetRedis.js';
import { shardKeys } from '../redis/shardKeys.js';
import { shardOf } from './shardOf.js';

/** Records of one route and window, appended as one stream entry. */
interface Chunk {
  readonly destination: string;
  readonly routeId: string;
  readonly target: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly firstTime: number;
  events: number;
  body: string;
  /** Accept sequence of its first record: everything accepted before the lowest such number is persisted. */
  readonly firstSeq: number;
}

/** Chunks of one shard taken for one append; retried under the same id until Redis has them. */
interface Append {
  readonly shard: number;
  readonly id: string;
  readonly chunks: Chunk[];
  readonly bytes: number;
}

/** How long Redis remembers an append's id, so a retry within it adds nothing. */
const APPEND_ID_TTL_MS = 600_000;

/**
 * The producer side of fleet mode. `accept` (inside send()) adds a record to its route's
 * chunk in memory; every appendIntervalMs (sooner past appendChunkBytes) the chunks go to
 * their shards' streams, one script call per shard, pipelined. An event is persisted once
 * its chunk's append is answered. Past maxBufferedBytes here or maxBacklogBytes fleet-wide,
 * accept throws BackpressureError.
 */
export class StreamAppender {
  readonly #redis: FleetRedis;
  readonly #options: FleetOptions;
  readonly #logger: Logger;
  /** Open chunks by shard, then by route and window. */
  #open = new Map<number, Map<string, Chunk>>();
  /** Appends not yet answered (retried after a failure), by shard. */
  #unanswered: Append[] = [];
  readonly #shardOfRoute = new Map<string, number>();
  readonly #backlogByShard = new Map<number, number>();
  #backlog = 0;
  #buffered = 0;
  #acceptSeq = 0;
  #persistedSeq = 0;
  #waiters: Array<{ seq: number; resolve: () => void; reject: (error: Error) => void }> = [];
  #readyWaiters: Array<() => void> = [];
  #appending: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #soon = false;
  #closed = false;

  constructor(redis: FleetRedis, options: FleetOptions, logger: Logger) {
    this.#redis = redis;
    this.#options = options;
    this.#logger = logger;
    // I/O cadence, not time logic: a real timer, unref'd so it never holds the process.
    this.#timer = setInterval(() => this.#tick(), options.appendIntervalMs);
    this.#timer.unref();
  }

  /** Bytes accepted and not yet in Redis. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  accept(record: IntakeRecord): () => Promise<void> {
    const startError = this.#redis.startError;
    if (startError) throw startError;
    const size = record.record.length;
    if (this.#buffered + size > this.#options.maxBufferedBytes) {
      throw fleetBackpressure(this.#buffered, this.#options.maxBufferedBytes, `are waiting to be appended to Redis at ${this.#redis.url}, and this event would pass maxBufferedBytes`);
    }
    if (this.#backlog + this.#buffered + size > this.#options.maxBacklogBytes) {
      throw fleetBackpressure(this.#backlog + this.#buffered, this.#options.maxBacklogBytes, 'of records are in the fleet\'s streams and not yet delivered, and this event would pass maxBacklogBytes');
    }
    const routeKey = `${record.destination}\u0000${record.routeId}`;
    let shard = this.#shardOfRoute.get(routeKey);
    if (shard === undefined) {
      shard = shardOf(record.destination, record.routeId, this.#options.shards);
      this.#shardOfRoute.set(routeKey, shard);
    }
    let chunks = this.#open.get(shard);
    if (!chunks) this.#open.set(shard, (chunks = new Map<string, Chunk>()));
    const chunkKey = `${routeKey}\u0000${record.window.start}`;
    const seq = ++this.#acceptSeq;
    const chunk = chunks.get(chunkKey);
    if (chunk) {
      chunk.events += 1;
      chunk.body += record.record;
    } else {
      chunks.set(chunkKey, {
        destination: record.destination,
        routeId: record.routeId,
        target: JSON.stringify(record.target ?? null),
        windowStart: record.window.start,
        windowEnd: record.window.end,
        firstTime: record.time,
        events: 1,
        body: record.record,
        firstSeq: seq,
      });
    }
    this.#buffered += size;
    if (this.#buffered >= this.#options.appendChunkBytes && !this.#soon) {
      this.#soon = true;
      setImmediate(() => {
        this.#soon = false;
        this.#tick();
      });
    }
    return () => this.#whenPersisted(seq);
  }

  /** Resolves once everything accepted so far is in Redis. */
  flush(): Promise<void> {
    this.#tick();
    return this.#whenPersisted(this.#acceptSeq);
  }

  /** Resolves when accept() would take a record again. */
  ready(): Promise<void> {
    if (this.#admits()) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Stops the timer; what is still buffered stays unappended (close() flushes first). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    const error = new SluiceError('SLUICE_CLOSED', 'The sluice closed before these events reached Redis.');
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters = [];
  }

  #admits(): boolean {
    return this.#buffered <= this.#options.maxBufferedBytes * 0.75 && this.#backlog + this.#buffered <= this.#options.maxBacklogBytes * 0.75;
  }

  #whenPersisted(seq: number): Promise<void> {
    if (seq <= this.#persistedSeq) return Promise.resolve();
    const startError = this.#redis.startError;
    if (startError) return Promise.reject(startError);
    return new Promise((resolve, reject) => this.#waiters.push({ seq, resolve, reject }));
  }

  #tick(): void {
    const startError = this.#redis.startError;
    if (startError && this.#waiters.length > 0) {
      for (const waiter of this.#waiters) waiter.reject(startError);
      this.#waiters = [];
    }
    if (this.#appending || this.#closed) return;
    this.#appending = this.#appendAll().finally(() => (this.#appending = undefined));
  }

  /** One round: every shard's open chunks (and unanswered appends) to Redis at once. */
  async #appendAll(): Promise<void> {
    const open = this.#open;
    this.#open = new Map();
    for (const [shard, chunks] of open) {
      const list = [...chunks.values()];
      this.#unanswered.push({ shard, id: randomBytes(12).toString('base64url'), chunks: list, bytes: list.reduce((sum, c) => sum + c.body.length, 0) });
    }
    if (this.#unanswered.length === 0) {
      if (this.#backlog > 0 && !this.#admits()) await this.#refreshBacklog();
      this.#settle();
      return;
    }
    const round = this.#unanswered;
    const results = await Promise.allSettled(round.map((append) => this.#send(append)));
    this.#unanswered = round.filter((_, index) => results[index]?.status === 'rejected');
    for (const [index, result] of results.entries()) {
      const append = round[index] as Append;
      if (result.status === 'fulfilled') {
        this.#buffered -= append.bytes;
        this.#setBacklog(append.shard, result.value);
      }
    }
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) this.#logger.warn('appending to Redis failed; retrying', { url: this.#redis.url, error: String(failed.reason) });
    this.#settle();
  }

  #send(append: Append): Promise<number> {
    const keys = shardKeys(this.#options.keyPrefix, append.shard);
    const args: (string | number)[] = [keys.log, keys.bytes, keys.appendPrefix + append.id, APPEND_ID_TTL_MS];
    for (const c of append.chunks) args.push(c.destination, c.routeId, c.target, c.windowStart, c.windowEnd, c.firstTime, c.events, c.body);
    return this.#redis.scripts.sluiceAppend(...args).then(Number);
  }

  async #refreshBacklog(): Promise<void> {
    const shards = [...Array(this.#options.shards).keys()];
    try {
      const values = await Promise.all(shards.map((shard) => this.#redis.client.get(shardKeys(this.#options.keyPrefix, shard).bytes)));
      for (const [shard, value] of values.entries()) this.#setBacklog(shard, Number(value ?? 0));
    } catch (error) {
      this.#logger.warn('reading the backlog from Redis failed', { url: this.#redis.url, error: String(error) });
    }
  }

  #setBacklog(shard: number, bytes: number): void {
    this.#backlog += bytes - (this.#backlogByShard.get(shard) ?? 0);
    this.#backlogByShard.set(shard, bytes);
  }

  /** Resolves the waiters of every record whose chunk is in Redis, and ready() once it admits again. */
  #settle(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const append of this.#unanswered) for (const chunk of append.chunks) lowest = Math.min(lowest, chunk.firstSeq);
    for (const chunks of this.#open.values()) for (const chunk of chunks.values()) lowest = Math.min(lowest, chunk.firstSeq);
    this.#persistedSeq = Number.isFinite(lowest) ? lowest - 1 : this.#acceptSeq;
    if (this.#waiters.length > 0) {
      const still: Array<{ seq: number; resolve: () => void; reject: (error: Error) => void }> = [];
      for (const waiter of this.#waiters) {
        if (waiter.seq <= this.#persistedSeq) waiter.resolve();
        else still.push(waiter);
      }
      this.#waiters = still;
    }
    if (this.#readyWaiters.length > 0 && this.#admits()) {
      const waiters = this.#readyWaiters;
      this.#readyWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** A BackpressureError whose message names fleet mode's limit instead of maxPendingBytes. */
function fleetBackpressure(bytes: number, limit: number, what: string): BackpressureError {
  const error = new BackpressureError(bytes, limit);
  error.message =
    `${bytes} bytes ${what} (${limit} bytes, fleetModule() options). Nothing was enqueued: wait with \`await sluice.ready()\` and send it again, or drop it. ` +
    'Redis away or slow, or flushers that cannot deliver (S3 down), are the usual causes.';
  return error;
}
