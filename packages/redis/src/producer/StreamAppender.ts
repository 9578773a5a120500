import { randomBytes } from 'node:crypto';
import { BackpressureError, type Clock, type IntakeRecord, type Logger, type RecoveredBatch, SluiceError } from '@sluice/core';
import type { FleetOptions } from '../config.js';
import type { PendingChunk } from '../flusher/FleetRouteStats.js';
import type { FleetRedis } from '../redis/FleetRedis.js';
import { shardKeys } from '../redis/shardKeys.js';
import { BufferPool } from './BufferPool.js';
import { Chunk, type RouteState } from './Chunk.js';
import { shardOf } from './shardOf.js';
import { type SpoolHold, SpoolInFront } from './SpoolInFront.js';

/** Chunks of one shard taken for one append; retried under the same id until Redis has them. */
interface Append {
  readonly shard: number;
  readonly id: string;
  readonly chunks: Chunk[];
  readonly bytes: number;
}

/** The sluice's clock and how long a route may stay idle before its state is dropped. */
export interface IdleRoutes {
  readonly clock: Clock;
  readonly forgetAfterMs: number;
}

/** How long Redis remembers an append's id, so a retry within it adds nothing. */
const APPEND_ID_TTL_MS = 600_000;
/** A batch recovered from the spool goes to Redis in entries of about this size, cut at records. */
const RECOVERED_PIECE_BYTES = 1024 * 1024;
const persistedAlready = (): Promise<void> => Promise.resolve();

/**
 * The producer side of fleet mode. `accept` (inside send()) adds a record to its route's
 * chunk in memory; every appendIntervalMs (sooner past appendChunkBytes) the chunks go to
 * their shards' streams, one script call per shard, pipelined. An event is persisted once
 * its chunk's append is answered. Past maxBufferedBytes here or maxBacklogBytes fleet-wide,
 * accept throws BackpressureError.
 *
 * With a durable spool in front, accept first writes the record to the chunk's spool batch
 * (so it is persisted when send() returns), each chunk is appended alone under its spool
 * batch's identifier, and the batch is discarded once Redis has it. What the spool held at
 * start is appended first.
 */
export class StreamAppender {
  readonly #redis: FleetRedis;
  readonly #options: FleetOptions;
  readonly #logger: Logger;
  /** Routes by destination, then route id. */
  readonly #routes = new Map<string, Map<string, RouteState>>();
  /** Routes with open chunks (taken by the next append). */
  #active: RouteState[] = [];
  /** Chunk bodies: 32 MiB of free buffers at most, for the next appends. */
  readonly #pool = new BufferPool(32 * 1024 * 1024);
  /** Appends not yet answered (retried after a failure), by shard. */
  #unanswered: Append[] = [];
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
  readonly #front: SpoolInFront | undefined;
  /** Pieces of spooled batches read at start, waiting for the next round. */
  #recovered: Append[] = [];
  #recovering: Promise<void> | undefined;
  /** Recovery waiting until at most half of maxBufferedBytes waits for Redis (or the close). */
  #roomWaiters: Array<() => void> = [];
  readonly #idle: IdleRoutes;
  #sweptAt: number;

  constructor(redis: FleetRedis, options: FleetOptions, logger: Logger, idle: IdleRoutes, front?: { spool: SpoolInFront; installed: ReadonlySet<string> }) {
    this.#redis = redis;
    this.#options = options;
    this.#logger = logger;
    this.#idle = idle;
    this.#sweptAt = idle.clock.now();
    this.#front = front?.spool;
    // Read synchronously, so a spool that cannot be read fails the start as the sluice's own recovery does.
    const found = front ? front.spool.recover(front.installed, logger) : [];
    // I/O cadence, not time logic: a real timer, unref'd so it never holds the process.
    this.#timer = setInterval(() => this.#tick(), options.appendIntervalMs);
    this.#timer.unref();
    if (found.length > 0) {
      logger.info('appending to Redis what the spool held at start', { batches: found.length });
      this.#recovering = this.#recover(found).finally(() => (this.#recovering = undefined));
    }
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
    const route = this.#routeOf(record);
    let chunk = route.current;
    if (chunk?.windowStart !== record.window.start) {
      chunk = route.open.get(record.window.start);
      if (chunk) route.current = chunk;
    }
    // The spool first: if it throws, nothing was taken.
    if (!chunk) chunk = this.#openChunk(route, record);
    else chunk.hold?.batch.append(record.record);
    this.#acceptSeq += 1;
    const bytes = chunk.add(record.record);
    this.#buffered += bytes;
    if (this.#buffered >= this.#options.appendChunkBytes) this.#tickSoon();
    if (this.#front) return persistedAlready;
    const seq = this.#acceptSeq;
    return () => this.#whenPersisted(seq);
  }

  #routeOf(record: IntakeRecord): RouteState {
    const route = this.#routes.get(record.destination)?.get(record.routeId);
    return route ?? this.#newRoute(record.destination, record.routeId, record.target);
  }

  #newRoute(destination: string, routeId: string, target: unknown): RouteState {
    let routes = this.#routes.get(destination);
    if (!routes) this.#routes.set(destination, (routes = new Map<string, RouteState>()));
    const route: RouteState = {
      destination,
      routeId,
      target: JSON.stringify(target ?? null),
      shard: shardOf(destination, routeId, this.#options.shards),
      current: undefined,
      open: new Map(),
      lastBytes: 0,
      usedAt: this.#idle.clock.now(),
    };
    routes.set(routeId, route);
    return route;
  }

  /** A new chunk of the route for the record's window (its spool batch holding the record already). */
  #openChunk(route: RouteState, record: IntakeRecord): Chunk {
    const hold = this.#front?.open(record);
    const chunk = new Chunk(route, record.window.start, record.window.end, record.time, this.#acceptSeq + 1, this.#pool);
    chunk.hold = hold;
    if (route.open.size === 0) this.#active.push(route);
    route.open.set(record.window.start, chunk);
    route.current = chunk;
    return chunk;
  }

  /**
   * Appends each spooled batch: a chunk this producer spooled whole, under its identifier, as
   * it was (or would have been) appended before; a batch single-process mode left in pieces of
   * about RECOVERED_PIECE_BYTES, cut after a record, under `<identifier>:<piece>` (the same
   * pieces, and ids, at every start). Reads on while at most half of maxBufferedBytes waits
   * for Redis. A batch is discarded once Redis has all of it.
   */
  async #recover(found: RecoveredBatch[]): Promise<void> {
    for (const { meta, batch } of found) {
      const route = this.#routes.get(meta.destination)?.get(meta.routeId) ?? this.#newRoute(meta.destination, meta.routeId, meta.target);
      const hold = { batch, identifier: meta.identifier, pieces: 1 };
      const whole = SpoolInFront.isChunk(meta);
      const pieceBytes = whole ? Number.POSITIVE_INFINITY : RECOVERED_PIECE_BYTES;
      let index = 0;
      let piece = new Chunk(route, meta.window.start, meta.window.end, meta.openedAt, 0, this.#pool);
      const emit = async (): Promise<void> => {
        if (piece.size === 0) return;
        piece.hold = hold;
        hold.pieces += 1;
        this.#buffered += piece.size;
        this.#recovered.push({ shard: route.shard, id: whole ? meta.identifier : `${meta.identifier}:${index}`, chunks: [piece], bytes: piece.size });
        // Its sequence 0 comes before every accepted record's: flush() waits for it.
        this.#persistedSeq = Math.min(this.#persistedSeq, -1);
        index += 1;
        piece = new Chunk(route, meta.window.start, meta.window.end, meta.openedAt, 0, this.#pool);
        this.#tick();
        if (this.#buffered > this.#options.maxBufferedBytes / 2) await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
      };
      try {
        for await (const part of batch.contents()) {
          let bytes = part;
          while (piece.size + bytes.length >= pieceBytes) {
            const room = pieceBytes - piece.size;
            const cut = room > 0 ? bytes.lastIndexOf(10, room - 1) : -1;
            const end = cut >= 0 ? cut + 1 : bytes.indexOf(10) + 1;
            if (end === 0) break;
            piece.addBytes(bytes.subarray(0, end));
            piece.events += countLines(bytes.subarray(0, end));
            bytes = bytes.subarray(end);
            await emit();
            if (this.#closed) return;
          }
          piece.addBytes(bytes);
          piece.events += countLines(bytes);
        }
        await emit();
      } catch (error) {
        this.#logger.error('could not read a spooled batch; it stays in the spool for the next start', { identifier: meta.identifier, error: String(error) });
        continue;
      }
      // The piece count started at 1 so that no piece's answer discards the batch before all are out.
      this.#appended(hold);
      if (this.#closed) return;
    }
  }

  /** One piece of a spooled batch is in Redis: the batch is discarded once all are. */
  #appended(hold: SpoolHold): void {
    hold.pieces -= 1;
    if (hold.pieces > 0) return;
    try {
      hold.batch.discard();
    } catch (error) {
      // Appended again at the next start under the same id: Redis adds it once (within 10 minutes).
      this.#logger.warn('could not remove a chunk Redis has from the spool', { identifier: hold.identifier, error: String(error) });
    }
  }

  /** What Redis does not have yet, chunk by chunk. */
  *pending(): Iterable<PendingChunk> {
    const of = (chunk: Chunk): PendingChunk => ({ destination: chunk.route.destination, routeId: chunk.route.routeId, events: chunk.events, bytes: chunk.size, firstTime: chunk.firstTime });
    for (const route of this.#active) for (const chunk of route.open.values()) yield of(chunk);
    for (const append of [...this.#unanswered, ...this.#recovered]) for (const chunk of append.chunks) yield of(chunk);
  }

  /** Resolves once everything accepted so far is in Redis. */
  flush(): Promise<void> {
    const recovering = this.#recovering;
    if (recovering) return recovering.then(() => this.flush());
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
    this.#wakeRecovery();
  }

  #wakeRecovery(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const resolve of waiters) resolve();
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

  #tickSoon(): void {
    if (this.#soon) return;
    this.#soon = true;
    setImmediate(() => {
      this.#soon = false;
      this.#tick();
    });
  }

  #tick(): void {
    const startError = this.#redis.startError;
    if (startError && this.#waiters.length > 0) {
      for (const waiter of this.#waiters) waiter.reject(startError);
      this.#waiters = [];
    }
    if (this.#appending || this.#closed) return;
    this.#appending = this.#appendAll().finally(() => {
      this.#appending = undefined;
      // What came while the round was out goes now if someone waits for it, not at the next interval.
      if (this.#recovered.length > 0 || (this.#waiters.length > 0 && this.#active.length > 0)) this.#tickSoon();
    });
  }

  /** One round: every shard's open chunks (and unanswered appends) to Redis at once. */
  async #appendAll(): Promise<void> {
    this.#takeOpenChunks();
    if (this.#recovered.length > 0) {
      this.#unanswered.push(...this.#recovered);
      this.#recovered = [];
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
        for (const chunk of append.chunks) {
          chunk.release();
          if (chunk.hold) this.#appended(chunk.hold);
        }
        this.#setBacklog(append.shard, result.value);
      }
    }
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) this.#logger.warn('appending to Redis failed; retrying', { url: this.#redis.url, error: String(failed.reason) });
    this.#settle();
  }

  /** Routes this producer keeps state for (one small object each, until idle for forgetIdleRoutesAfterMs). */
  get routes(): number {
    let routes = 0;
    for (const byId of this.#routes.values()) routes += byId.size;
    return routes;
  }

  /**
   * Forgets routes with nothing open that sent nothing for forgetIdleRoutesAfterMs, at most
   * every half of it, so a producer writing to ever new prefixes keeps its memory flat.
   */
  #forgetIdle(now: number): void {
    const after = this.#idle.forgetAfterMs;
    if (now - this.#sweptAt < after / 2) return;
    this.#sweptAt = now;
    for (const [destination, byId] of this.#routes) {
      for (const [routeId, route] of byId) if (route.open.size === 0 && route.usedAt <= now - after) byId.delete(routeId);
      if (byId.size === 0) this.#routes.delete(destination);
    }
  }

  /** Moves the open chunks to appends: one per shard, or one per chunk (its spool batch's id) with a spool in front. */
  #takeOpenChunks(): void {
    const byShard = new Map<number, Chunk[]>();
    const now = this.#idle.clock.now();
    this.#forgetIdle(now);
    for (const route of this.#active) {
      route.usedAt = now;
      for (const chunk of route.open.values()) {
        if (chunk.hold) {
          this.#unanswered.push({ shard: route.shard, id: chunk.hold.identifier, chunks: [chunk], bytes: chunk.size });
          continue;
        }
        let list = byShard.get(route.shard);
        if (!list) byShard.set(route.shard, (list = []));
        list.push(chunk);
      }
      route.open.clear();
      route.current = undefined;
    }
    this.#active = [];
    for (const [shard, chunks] of byShard) {
      this.#unanswered.push({ shard, id: randomBytes(12).toString('base64url'), chunks, bytes: chunks.reduce((sum, c) => sum + c.size, 0) });
    }
  }

  #send(append: Append): Promise<number> {
    const keys = shardKeys(this.#options.keyPrefix, append.shard);
    const args: (string | number | Buffer)[] = [keys.log, keys.bytes, keys.appendPrefix + append.id, APPEND_ID_TTL_MS];
    for (const c of append.chunks) args.push(c.route.destination, c.route.routeId, c.route.target, c.windowStart, c.windowEnd, c.firstTime, c.events, c.body());
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
    if (this.#recovered.length > 0) lowest = 0;
    for (const route of this.#active) for (const chunk of route.open.values()) lowest = Math.min(lowest, chunk.firstSeq);
    this.#persistedSeq = Number.isFinite(lowest) ? lowest - 1 : this.#acceptSeq;
    if (this.#waiters.length > 0) {
      const still: Array<{ seq: number; resolve: () => void; reject: (error: Error) => void }> = [];
      for (const waiter of this.#waiters) {
        if (waiter.seq <= this.#persistedSeq) waiter.resolve();
        else still.push(waiter);
      }
      this.#waiters = still;
    }
    if (this.#roomWaiters.length > 0 && this.#buffered <= this.#options.maxBufferedBytes / 2) this.#wakeRecovery();
    if (this.#readyWaiters.length > 0 && this.#admits()) {
      const waiters = this.#readyWaiters;
      this.#readyWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines += 1;
  return lines;
}

/** A BackpressureError whose message names fleet mode's limit instead of maxPendingBytes. */
function fleetBackpressure(bytes: number, limit: number, what: string): BackpressureError {
  const error = new BackpressureError(bytes, limit);
  error.message =
    `${bytes} bytes ${what} (${limit} bytes, fleetModule() options). Nothing was enqueued: wait with \`await sluice.ready()\` and send it again, or drop it. ` +
    'Redis away or slow, or flushers that cannot deliver (S3 down), are the usual causes.';
  return error;
}
