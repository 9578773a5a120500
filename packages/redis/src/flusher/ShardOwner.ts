import { setTimeout as pause } from 'node:timers/promises';
import {
  type BatchInfo,
  type BatchWindow,
  type Clock,
  type DeadLetterReason,
  DeliveryError,
  type IntakeContext,
  type IntakeDestination,
  type IntakeEventName,
  type Logger,
  retryDelay,
  SluiceError,
  type SluiceEvents,
  type UploadResult,
} from '@sluice/core';
import type { FleetOptions } from '../config.js';
import type { FleetRedis, StreamEntry } from '../redis/FleetRedis.js';
import { type ShardKeys, shardKeys } from '../redis/shardKeys.js';
import { compareIds, nextId } from '../redis/streamIds.js';
import type { FleetRouteStats } from './FleetRouteStats.js';
import type { FleetStats } from './FleetStats.js';
import { splitByCaps } from './splitByCaps.js';
import { windowBatchIdentifier } from './windowBatchIdentifier.js';

/** The records of one route-window (or of its late records) read from the shard, until delivered. */
interface WindowBatch {
  readonly destination: string;
  readonly routeId: string;
  readonly target: unknown;
  readonly window: BatchWindow;
  readonly late: boolean;
  /** The stream id of its first record chunk: the offset cannot pass it until it is delivered. */
  readonly firstId: string;
  /** Accept time of its first record: the key's timestamp. */
  readonly openedAt: number;
  readonly bodies: Buffer[];
  /** Accept time of each body's first record (for the key of a piece the caps cut). */
  readonly openedAts: number[];
  /** Which of the objects the batcher's caps cut the route-window into (0 if not cut). */
  piece: number;
  events: number;
  bytes: number;
  /** Set when a seal marker closed it: the marker's id and the identifier derived from it. */
  markerId?: string;
  identifier?: string;
  /** Failed attempts in a row by this owner, and when the first of them failed. */
  failures: number;
  firstFailureAt?: number;
}

/** Longest error message kept with a dead letter. */
const MAX_REASON_CHARS = 1_000;

export interface ShardOwnerParts {
  readonly redis: FleetRedis;
  readonly options: FleetOptions;
  readonly shard: number;
  /** `<member> <token>`: the lease value every write of this owner is checked against. */
  readonly holder: string;
  readonly destinations: ReadonlyMap<string, IntakeDestination>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stats: FleetStats;
  readonly routeStats: FleetRouteStats;
  /** The sluice's retry policy, dead-letter delay and events. */
  readonly delivery: Pick<IntakeContext, 'retry' | 'deadLetterAfterMs' | 'emit'>;
  /** Called once when a script finds the lease gone: the owner has stopped itself. */
  readonly onLost: () => void;
}

/**
 * The owner of one shard, for as long as it holds the lease. It reads the stream in order
 * from the committed offset and groups record chunks by destination, route and window (the
 * window the producer's batcher gave the accept time). When a window is over by `graceMs` it
 * appends a seal marker, if it still holds the lease; a batch is exactly the chunks of its
 * route-window before the first marker that closes the window, so any owner that reads the
 * stream rebuilds the same batches, and names them from the marker's id: the same keys.
 * Chunks of a window already closed form a late batch, closed by the next marker.
 *
 * Once a batch is stored it commits (lease checked in the same script): the offset moves to
 * the first chunk still undelivered, the stream is trimmed before it, and the batch is noted
 * as delivered while its marker is still in the stream, so an owner that reads part of it
 * again skips it.
 */
export class ShardOwner {
  readonly #parts: ShardOwnerParts;
  readonly #keys: ShardKeys;
  readonly #controller = new AbortController();
  /** Where reading starts: the committed offset (inclusive), then after the last id read. */
  #from = '-';
  #lastId: string | undefined;
  #committed = '-';
  /** Windows ending at or before this are closed, as of the last marker read. */
  #sealedUpTo = 0;
  /** As of the committed offset. */
  #committedSealedUpTo = 0;
  /** Markers read after the committed offset, with `sealedUpTo` after each. */
  #markers: Array<{ readonly id: string; readonly sealedUpTo: number }> = [];
  readonly #open = new Map<string, WindowBatch>();
  readonly #sealed: WindowBatch[] = [];
  /** Record chunks read and not yet trimmed: their ids and bytes, to lower the backlog. */
  #entries: Array<{ readonly id: string; readonly bytes: number }> = [];
  /** Batches delivered (fleet-wide) whose marker is still in the stream: identifier → marker id. */
  readonly #done = new Map<string, string>();
  /** Delivered here and not yet noted in Redis. */
  #newlyDone: Array<{ readonly identifier: string; readonly markerId: string }> = [];
  #sealing = false;
  #stopped = false;
  #running: Promise<void> | undefined;
  #uploading: Promise<void> | undefined;
  #committing: Promise<void> = Promise.resolve();

  constructor(parts: ShardOwnerParts) {
    this.#parts = parts;
    this.#keys = shardKeys(parts.options.keyPrefix, parts.shard);
  }

  get shard(): number {
    return this.#parts.shard;
  }

  start(): void {
    this.#running = this.#run().catch((error: unknown) => {
      if (!this.#stopped) this.#parts.logger.error('a shard owner stopped on an error', { shard: this.shard, error: String(error) });
    });
  }

  /** Stops reading and aborts an upload under way; resolves once nothing of it runs. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#controller.abort(new Error('shard released'));
    await this.#running;
    await this.#uploading;
    await this.#committing;
  }

  async #run(): Promise<void> {
    const { redis, options } = this.#parts;
    // ioredis waits for Redis rather than failing, so this only fails on an answer that is an error.
    const [offset, done] = await Promise.all([redis.client.hgetall(this.#keys.offset), redis.client.hgetall(this.#keys.done)]);
    this.#from = this.#committed = offset.id ?? '-';
    this.#sealedUpTo = this.#committedSealedUpTo = Number(offset.sealedUpTo ?? 0);
    for (const [identifier, markerId] of Object.entries(done)) this.#done.set(identifier, markerId);
    while (!this.#stopped) {
      let idle: boolean;
      try {
        const entries = await redis.read(this.#keys.log, this.#lastId === undefined ? this.#from : `(${this.#lastId}`, options.readCount);
        if (this.#halted()) return;
        for (const entry of entries) this.#take(entry);
        await this.#sealIfDue();
        this.#uploadSealed();
        if (this.#uploading === undefined) void this.#commit();
        idle = entries.length < options.readCount;
      } catch (error) {
        if (this.#halted()) return;
        // Redis answered with an error (it waits, rather than fails, while away): try again soon.
        this.#sealing = false;
        this.#parts.logger.warn('reading a shard failed; retrying', { shard: this.shard, error: String(error) });
        idle = true;
      }
      if (idle) await this.#pause(options.pollIntervalMs);
    }
  }

  #take(entry: StreamEntry): void {
    this.#lastId = entry.id;
    const marker = entry.fields.get('s');
    if (marker) {
      this.#sealedUpTo = Math.max(this.#sealedUpTo, Number(marker.toString('latin1')));
      this.#markers.push({ id: entry.id, sealedUpTo: this.#sealedUpTo });
      this.#sealing = false;
      for (const [key, batch] of this.#open) {
        if (!batch.late && batch.window.end > this.#sealedUpTo) continue;
        this.#open.delete(key);
        for (const piece of this.#pieces(batch, entry.id)) {
          if (this.#done.has(piece.identifier as string)) this.#parts.stats.skippedDelivered += 1;
          else this.#sealed.push(piece);
        }
      }
      return;
    }
    const field = (name: string): string => (entry.fields.get(name) ?? Buffer.alloc(0)).toString('utf8');
    const body = entry.fields.get('b') ?? Buffer.alloc(0);
    this.#entries.push({ id: entry.id, bytes: body.length });
    const window = { start: Number(field('w')), end: Number(field('e')) };
    const late = window.end <= this.#sealedUpTo;
    const destination = field('d');
    const routeId = field('r');
    const key = `${late ? 'late' : 'window'}\u0000${destination}\u0000${routeId}\u0000${window.start}`;
    let batch = this.#open.get(key);
    if (!batch) {
      batch = { destination, routeId, target: JSON.parse(field('g')), window, late, firstId: entry.id, openedAt: Number(field('a')), bodies: [], openedAts: [], piece: 0, events: 0, bytes: 0, failures: 0 };
      this.#open.set(key, batch);
    }
    batch.bodies.push(body);
    batch.openedAts.push(Number(field('a')));
    batch.events += Number(field('n'));
    batch.bytes += body.length;
  }

  /**
   * A sealed route-window as the objects to write: one, or several when its records pass the
   * batcher's caps, each named from the marker and its piece number (the same at every owner).
   */
  #pieces(batch: WindowBatch, markerId: string): WindowBatch[] {
    const name = (piece: number) => windowBatchIdentifier(this.#parts.options.keyPrefix, this.shard, batch.destination, batch.routeId, batch.window.start, batch.late, markerId, piece);
    const batcher = this.#parts.destinations.get(batch.destination)?.batcher;
    const pieces = batcher && splitByCaps(batch.bodies, batch.openedAts, batch.events, batch.bytes, batcher);
    if (!pieces) return [Object.assign(batch, { markerId, identifier: name(0) })];
    return pieces.map((piece, index) => ({ ...batch, ...piece, openedAts: [], piece: index, markerId, identifier: name(index) }));
  }

  /** Appends a seal marker when a window read here has been over for graceMs (or late records wait). */
  async #sealIfDue(): Promise<void> {
    if (this.#sealing) return;
    const upTo = this.#parts.clock.now() - this.#parts.options.graceMs;
    let due = false;
    for (const batch of this.#open.values()) if (batch.late || batch.window.end <= upTo) due = true;
    if (!due) return;
    this.#sealing = true;
    const id = await this.#parts.redis.scripts.sluiceSeal(this.#keys.lease, this.#keys.log, this.#parts.holder, Math.max(upTo, this.#sealedUpTo));
    if (id === null) this.#lose();
  }

  #uploadSealed(): void {
    if (this.#uploading || this.#sealed.length === 0 || this.#stopped) return;
    this.#uploading = this.#uploadAll().finally(() => (this.#uploading = undefined));
  }

  /**
   * Uploads sealed batches in stream order, committing after each. A failure is retried with
   * the sluice's retry policy; a batch refused for good (a permanent error), or still failing
   * after deadLetterAfterMs, moves to the shard's dead letters so the shard goes on.
   */
  async #uploadAll(): Promise<void> {
    while (!this.#stopped && this.#sealed.length > 0) {
      const batch = this.#sealed[0] as WindowBatch;
      let result: UploadResult;
      try {
        result = await this.#upload(batch);
      } catch (error) {
        if (this.#halted()) return;
        const retryInMs = this.#failed(batch, error);
        if (retryInMs === undefined) {
          if (!(await this.#bury(batch, error))) await this.#pause(this.#parts.options.pollIntervalMs);
        } else await this.#pause(retryInMs);
        continue;
      }
      this.#sealed.shift();
      const { stats, clock } = this.#parts;
      const now = clock.now();
      stats.deliveredObjects += 1;
      stats.deliveredEvents += batch.events;
      if (batch.late) {
        stats.lateObjects += 1;
        stats.lateEvents += batch.events;
      }
      this.#parts.routeStats.delivered(batch.destination, batch.routeId, batch.events, batch.late, now);
      this.#newlyDone.push({ identifier: batch.identifier as string, markerId: batch.markerId as string });
      this.#emit('delivered', {
        destination: batch.destination,
        route: batch.routeId,
        key: this.#key(batch) ?? '',
        location: result.location,
        bytes: result.bytes,
        parts: result.parts,
        alreadyExisted: result.alreadyExisted,
        events: batch.events,
        recordBytes: batch.bytes,
        openedAt: batch.openedAt,
        deliveredAt: now,
        attempts: batch.failures + 1,
        ...(batch.late ? { late: true } : {}),
      });
      await this.#commit();
    }
  }

  /** Counts and reports a failed attempt; returns when to try again, or undefined to give the batch up. */
  #failed(batch: WindowBatch, error: unknown): number | undefined {
    const { stats, clock, delivery, logger } = this.#parts;
    const now = clock.now();
    batch.failures += 1;
    batch.firstFailureAt ??= now;
    stats.failedUploads += 1;
    const code = errorCode(error);
    this.#parts.routeStats.failed(batch.destination, batch.routeId, code, error instanceof Error ? error.message : String(error), now);
    const retryable = !(error instanceof DeliveryError) || error.retryable;
    // A shard is delivered in order: a batch waiting out a permanent error would hold every route of the shard.
    const giveUp = !retryable || now - batch.firstFailureAt >= delivery.deadLetterAfterMs;
    const retryInMs = giveUp ? 0 : retryDelay(delivery.retry, batch.failures, true);
    this.#emit('deliveryError', {
      destination: batch.destination,
      route: batch.routeId,
      key: this.#key(batch),
      events: batch.events,
      attempt: batch.failures,
      retryable,
      retryInMs,
      code,
      error,
    });
    logger[retryable ? 'warn' : 'error'](giveUp ? 'uploading a fleet batch failed; moving it to the dead letters' : 'uploading a fleet batch failed; will retry', {
      shard: this.shard,
      route: batch.routeId,
      attempt: batch.failures,
      error: String(error),
    });
    return giveUp ? undefined : retryInMs;
  }

  /**
   * Moves a batch given up on to the shard's dead letters (lease checked in the same script,
   * with its delivered note), then commits past it. Returns false if Redis failed: the batch
   * stays first and is tried again.
   */
  async #bury(batch: WindowBatch, error: unknown): Promise<boolean> {
    const { redis, holder, clock, stats, logger } = this.#parts;
    const now = clock.now();
    const reason: DeadLetterReason = {
      at: now,
      code: errorCode(error),
      message: (error instanceof Error ? error.message : String(error)).slice(0, MAX_REASON_CHARS),
      attempts: batch.failures,
      firstFailureAt: batch.firstFailureAt ?? now,
    };
    const key = this.#key(batch);
    const identifier = batch.identifier as string;
    const markerId = batch.markerId as string;
    const fields: (string | number | Buffer)[] = [
      ...['d', batch.destination, 'r', batch.routeId, 'g', JSON.stringify(batch.target ?? null)],
      ...['w', batch.window.start, 'e', batch.window.end, 'a', batch.openedAt, 'n', batch.events, 'b', Buffer.concat(batch.bodies)],
      ...['i', identifier, 'k', key ?? '', 'l', batch.late ? 1 : 0],
      ...['c', reason.code, 'm', reason.message, 't', reason.at, 'f', reason.firstFailureAt, 'x', reason.attempts],
    ];
    let ok: number;
    try {
      ok = Number(await redis.scripts.sluiceDead(this.#keys.lease, this.#keys.dead, this.#keys.done, this.#keys.bytes, holder, identifier, markerId, batch.bytes, ...fields));
    } catch (failure) {
      if (this.#halted()) return true;
      logger.warn('moving a fleet batch to the dead letters failed; retrying', { shard: this.shard, route: batch.routeId, error: String(failure) });
      return false;
    }
    if (ok !== 1) {
      this.#lose();
      return true;
    }
    this.#sealed.shift();
    // Noted in Redis by the script; forgotten by the commit that trims its marker.
    this.#done.set(identifier, markerId);
    stats.deadLetters += 1;
    stats.deadLetterEvents += batch.events;
    this.#parts.routeStats.dead(batch.destination, batch.routeId, now);
    const letter = { identifier, destination: batch.destination, route: batch.routeId, key, events: batch.events, bytes: batch.bytes, reason };
    logger.error('fleet batch moved to the dead letters; replay it with sluice replay --redis once the cause is fixed', { shard: this.shard, ...letter });
    this.#emit('deadLetter', letter);
    await this.#commit();
    return true;
  }

  /** A listener that throws must not stop the shard: it is logged, and the owner goes on. */
  #emit<K extends IntakeEventName>(name: K, ...args: SluiceEvents[K]): void {
    try {
      this.#parts.delivery.emit(name, ...args);
    } catch (error) {
      this.#parts.logger.error(`a "${name}" listener threw; the shard owner goes on`, { shard: this.shard, error: String(error) });
    }
  }

  #info(batch: WindowBatch): BatchInfo {
    return {
      identity: {
        routeId: batch.routeId,
        windowStart: batch.window.start,
        sequence: batch.late ? -1 - batch.piece : batch.piece,
        producerId: `${this.#parts.options.keyPrefix}:${this.shard}`,
        incarnation: batch.markerId as string,
      },
      identifier: batch.identifier as string,
      openedAt: batch.openedAt,
      window: batch.window,
      target: batch.target,
      events: batch.events,
      bytes: batch.bytes,
    };
  }

  /** The object key the batch is (or would have been) stored under; undefined if its destination is not installed here. */
  #key(batch: WindowBatch): string | undefined {
    const part = this.#parts.destinations.get(batch.destination);
    if (!part) return undefined;
    const { keyFormatter, serializer } = part.destination;
    return keyFormatter.format(this.#info(batch), serializer.extension);
  }

  async #upload(batch: WindowBatch): Promise<UploadResult> {
    const part = this.#parts.destinations.get(batch.destination);
    if (!part) {
      throw new SluiceError(
        'SLUICE_WIRING',
        `Shard ${this.shard} holds records for the destination "${batch.destination}", which this flusher does not install: give every flusher the same destination modules as the producers.`,
      );
    }
    const { serializer, keyFormatter, uploader } = part.destination;
    const info = this.#info(batch);
    const body = serializer.serialize(batch.bodies);
    try {
      // Never a first attempt: a previous owner may have died mid-upload of this very key, and
      // the uploader aborts what it left before uploading.
      return await uploader.upload({ batch: info, key: keyFormatter.format(info, serializer.extension), body, contentType: serializer.contentType, signal: this.#controller.signal, firstAttempt: false });
    } finally {
      body.destroy();
    }
  }

  /** Commits the offset (one commit at a time); the stream before it is trimmed. */
  #commit(): Promise<void> {
    this.#committing = this.#committing
      .then(() => this.#commitNow())
      .catch((error: unknown) => {
        this.#parts.logger.warn('committing a shard offset failed; the next commit carries it', { shard: this.shard, error: String(error) });
      });
    return this.#committing;
  }

  async #commitNow(): Promise<void> {
    if (this.#stopped) return;
    let offset: string | undefined;
    for (const batch of [...this.#open.values(), ...this.#sealed]) if (offset === undefined || compareIds(batch.firstId, offset) < 0) offset = batch.firstId;
    offset ??= this.#lastId === undefined ? undefined : nextId(this.#lastId);
    if (offset === undefined || (compareIds(offset, this.#committed) <= 0 && this.#newlyDone.length === 0)) return;
    if (compareIds(offset, this.#committed) < 0) offset = this.#committed;
    let sealedUpTo = this.#committedSealedUpTo;
    let markers = 0;
    for (const marker of this.#markers) {
      if (compareIds(marker.id, offset) >= 0) break;
      sealedUpTo = marker.sealedUpTo;
      markers += 1;
    }
    let entries = 0;
    let trimmed = 0;
    for (const entry of this.#entries) {
      if (compareIds(entry.id, offset) >= 0) break;
      trimmed += entry.bytes;
      entries += 1;
    }
    const noted = this.#newlyDone.filter(({ markerId }) => compareIds(markerId, offset) >= 0);
    const forgotten = [...this.#done].filter(([, markerId]) => compareIds(markerId, offset) < 0).map(([identifier]) => identifier);
    const args: (string | number)[] = [...[this.#keys.lease, this.#keys.offset, this.#keys.done, this.#keys.log, this.#keys.bytes]];
    args.push(this.#parts.holder, offset, sealedUpTo, trimmed, this.#committed, noted.length);
    for (const { identifier, markerId } of noted) args.push(identifier, markerId);
    args.push(...forgotten);
    const newlyDone = this.#newlyDone;
    this.#newlyDone = [];
    let ok: number;
    try {
      ok = Number(await this.#parts.redis.scripts.sluiceCommit(...args));
    } catch (error) {
      this.#newlyDone = [...newlyDone, ...this.#newlyDone];
      throw error;
    }
    if (ok !== 1) {
      this.#lose();
      return;
    }
    this.#committed = offset;
    this.#committedSealedUpTo = sealedUpTo;
    this.#markers = this.#markers.slice(markers);
    this.#entries = this.#entries.slice(entries);
    for (const identifier of forgotten) this.#done.delete(identifier);
    for (const { identifier, markerId } of newlyDone) if (compareIds(markerId, offset) >= 0) this.#done.set(identifier, markerId);
  }

  /** Read through a method: stop() may have run while this owner awaited Redis or S3. */
  #halted(): boolean {
    return this.#stopped;
  }

  #lose(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#controller.abort(new Error('lease lost'));
    this.#parts.stats.leasesLost += 1;
    this.#parts.logger.warn('lost the lease of a shard; another flusher owns it now', { shard: this.shard });
    this.#parts.onLost();
  }

  #pause(ms: number): Promise<void> {
    // I/O cadence, not time logic: a real timer, unref'd, cut short by stop().
    return pause(ms, undefined, { signal: this.#controller.signal, ref: false }).catch(() => {});
  }
}

function errorCode(error: unknown): string {
  if (error instanceof DeliveryError) return error.destinationCode;
  if (error instanceof SluiceError) return error.code;
  return (error as { name?: string } | undefined)?.name ?? 'Error';
}
