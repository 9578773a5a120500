import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Batcher } from '../batch/Batcher.js';
import type { EventTime } from '../batch/EventTime.js';
import type { SluiceOptions } from '../config.js';
import type { Destination } from '../destination/Destination.js';
import { ClosedError } from '../errors/ClosedError.js';
import { EventIds } from '../ids/EventIds.js';
import type { DeliveryLedger } from '../ledger/DeliveryLedger.js';
import { closeParts } from '../lifecycle/closeParts.js';
import { keepProcessAlive } from '../lifecycle/keepProcessAlive.js';
import type { Logger } from '../log/Logger.js';
import { PendingReceipt } from '../send/PendingReceipt.js';
import type { Receipt } from '../send/Receipt.js';
import type { CommonSendParams } from '../send/SendApi.js';
import type { SendManyResult } from '../send/SendManyResult.js';
import type { Spool } from '../spool/Spool.js';
import type { Intake } from '../intake/Intake.js';
import type { Clock, Timer } from '../time/Clock.js';
import { asSpoolError, BatchAssembler } from './BatchAssembler.js';
import { BatchStreamer, STREAM_RUN_BYTES } from './BatchStreamer.js';
import type { Batch } from './Batch.js';
import { DeadLetters } from './DeadLetters.js';
import { Deliveries } from './Deliveries.js';
import { DestinationRegistry, type RegisteredDestination } from './DestinationRegistry.js';
import { assertEventSize } from './assertEventSize.js';
import { drainWithin } from './drainWithin.js';
import { ManySender } from './ManySender.js';
import { startHousekeeping, type HealthSnapshot } from './housekeeping.js';
import { intakeContext, sendManyToIntake, sendToIntake } from './intakeSend.js';
import { PendingBytesGate } from './PendingBytesGate.js';
import { recoverSpool } from './recoverSpool.js';
import type { RouteHealth } from './RouteHealth.js';
import { RouteStats } from './RouteStats.js';
import type { DeadLetter, SluiceEvents } from './SluiceEvents.js';

export interface PipelineParts {
  readonly clock: Clock;
  /** The sluice's default batching rule, for destinations without one of their own. */
  readonly batcher: Batcher | undefined;
  /** The sluice's default event time, for destinations without one of their own (default: accept time). */
  readonly eventTime?: EventTime | undefined;
  readonly spool: Spool;
  /** Fleet mode: accepted records go here instead of this process's own batches. */
  readonly intake?: Intake | undefined;
  readonly ledger: DeliveryLedger;
  readonly logger: Logger;
  readonly options: SluiceOptions;
}

/** Options of `flush()` and `close()`. */
export interface DrainOptions {
  /** Give up waiting after this many ms of the sluice's clock. Default: wait until delivered. */
  readonly timeoutMs?: number;
  /**
   * Stop waiting when this signal aborts: the promise rejects with AbortedError (code
   * SLUICE_ABORTED, name AbortError). Undelivered batches are never dropped by it: after
   * flush() they keep being delivered; close() goes on as after a timeout (see close()).
   */
  readonly signal?: AbortSignal;
}

/**
 * The engine behind a sluice, as a coordinator: `send` runs validation (registry), the
 * pending-bytes gate and batch assembly synchronously; sealed batches go to delivery
 * (queue, retries, dead letters); `flush`/`close` drain. Each concern lives in its own module.
 */
export class Pipeline extends EventEmitter<SluiceEvents> {
  readonly #parts: PipelineParts;
  readonly #registry: DestinationRegistry;
  readonly #ids: EventIds;
  readonly #gate: PendingBytesGate;
  readonly #stats = new RouteStats();
  readonly #deadLetters: DeadLetters;
  readonly #deliveries: Deliveries;
  readonly #assembler: BatchAssembler;
  readonly #streamer: BatchStreamer;
  readonly #timers: Timer[];
  readonly #many: ManySender;
  /** Events and record bytes send() and sendMany() accepted since the start, for metrics. */
  readonly #accepted = { events: 0, bytes: 0 };
  #closing: Promise<void> | undefined;

  constructor(parts: PipelineParts, destinations: readonly Destination[]) {
    super();
    const { clock, logger, options, spool, ledger } = parts;
    this.#parts = parts;
    this.#registry = new DestinationRegistry(destinations, parts);
    // Random per start: no batch of another process, or of this one before a restart, shares an identity.
    const incarnation = randomBytes(16).toString('hex');
    this.#ids = new EventIds(options.producerId, incarnation);
    this.#gate = new PendingBytesGate(options.maxPendingBytes, () => this.emit('ready'));
    this.#deadLetters = new DeadLetters(logger, (letter) => this.emit('deadLetter', letter));
    this.#streamer = new BatchStreamer({ gate: this.#gate, logger, durableSpool: spool.durable === true });
    this.#deliveries = new Deliveries({
      streamer: this.#streamer,
      clock,
      ledger,
      logger,
      options,
      gate: this.#gate,
      stats: this.#stats,
      deadLetters: this.#deadLetters,
      onDelivered: (event) => this.emit('delivered', event),
      onDeliveryError: (event) => this.emit('deliveryError', event),
    });
    this.#assembler = new BatchAssembler({
      clock,
      spool,
      logger,
      producerId: options.producerId,
      incarnation,
      onSealed: (batch) => this.#deliveries.track(batch, true),
    });
    this.#many = new ManySender({
      registry: this.#registry,
      assembler: this.#assembler,
      gate: this.#gate,
      streamer: this.#streamer,
      ids: this.#ids,
      clock,
      maxEventBytes: options.maxEventBytes,
    });
    // An intake that takes the spool appends what it holds to its own log instead.
    const recovered = parts.intake?.takesSpool === true ? { pending: [], dead: [] } : recoverSpool(spool, this.#registry, logger);
    for (const { batch, reason } of recovered.dead) this.#deadLetters.add(batch, reason);
    for (const batch of recovered.pending) this.#deliveries.track(batch, false);
    this.#timers = startHousekeeping(clock, logger, options, this.#stats, () => this.#healthSnapshot());
    parts.intake?.start(intakeContext(this.#registry, { clock, logger, spool, emit: (name, ...args) => EventEmitter.prototype.emit.call(this, name, ...args) }, options));
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  destinationNames(): string[] {
    return this.#registry.names();
  }

  /** Validates, encodes and enqueues one event. Synchronous; throws on bad input. */
  send(name: string, params: unknown): Receipt {
    return this.#send(this.#registry.get(name), params);
  }

  /** `send` bound to one destination, looked up once: what `sluice.send.<name>` calls. */
  sender(name: string): (params: unknown) => Receipt {
    const entry = this.#registry.get(name);
    return (params) => this.#send(entry, params);
  }

  /** Sends `items` to one destination, one spool write per run of a route (see ManySender). */
  sendMany(name: string, items: readonly unknown[]): SendManyResult {
    const entry = this.#registry.get(name);
    if (this.#closing) throw new ClosedError();
    if (this.#parts.intake) return sendManyToIntake(items, (params) => this.#send(entry, params));
    // Pending bytes only fall when a delivery settles, never inside this synchronous call, so
    // their growth is what the call accepted.
    const pendingBefore = this.#gate.bytes;
    const result = this.#many.send(entry, items);
    this.#accepted.events += result.ids.length;
    this.#accepted.bytes += this.#gate.bytes - pendingBefore;
    return result;
  }

  /** Checks `params` as `send` would, storing nothing; throws ValidationError. */
  validate(name: string, params: unknown): void {
    const entry = this.#registry.get(name);
    const { payload, id } = (params ?? {}) as CommonSendParams;
    this.#registry.route(entry, params, payload, id);
  }

  #send(entry: RegisteredDestination, params: unknown): Receipt {
    if (this.#closing) throw new ClosedError();
    const { payload, id: givenId } = (params ?? {}) as CommonSendParams;
    const route = this.#registry.route(entry, params, payload, givenId);
    const record = entry.destination.serializer.encode(payload);
    assertEventSize(record, this.#parts.options.maxEventBytes);
    if (this.#parts.intake) {
      const receipt = sendToIntake(this.#parts.intake, entry, route, record, payload, this.#parts.clock, givenId ?? this.#ids.format(this.#ids.next()));
      this.#accepted.events += 1;
      this.#accepted.bytes += record.length;
      return receipt;
    }
    this.#gate.admit(record.length);
    const batch = this.#assembler.batchFor(entry, route, record.length, payload);
    const id = givenId ?? this.#ids.next();
    let bytes: number;
    try {
      bytes = batch.append(record, id);
    } catch (error) {
      throw asSpoolError(error, 'could not store the event');
    }
    this.#gate.add(bytes, batch);
    this.#accepted.events += 1;
    this.#accepted.bytes += bytes;
    if (batch.untakenBytes >= STREAM_RUN_BYTES) this.#streamer.nudge(batch);
    return new PendingReceipt(id, batch, this.#ids);
  }

  /** Seals every open batch and resolves once everything accepted so far is delivered. */
  async flush(options: DrainOptions = {}): Promise<void> {
    const release = keepProcessAlive();
    try {
      await this.#drain('flush', options);
    } finally {
      release();
    }
  }

  /**
   * Stops accepting events, delivers everything, then stops every timer, aborts what is still
   * uploading and closes the parts once each (destinations, uploaders, serializers, the spool
   * last). Calling it again returns the same promise. On timeout it rejects with
   * ShutdownTimeoutError; with the memory spool those events are lost. The process is held
   * open until it settles.
   */
  close(options: DrainOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: DrainOptions): Promise<void> {
    const release = keepProcessAlive();
    try {
      let failure: Error | undefined;
      await this.#drain('close', options).catch((error: unknown) => (failure = error instanceof Error ? error : new Error(String(error))));
      for (const timer of this.#timers) timer.cancel();
      this.#assembler.stop();
      await this.#deliveries.stop();
      await this.#streamer.stop();
      await this.#parts.intake?.close();
      await closeParts(this.#registry.destinations(), this.#parts.spool, this.#parts.logger);
      if (failure) throw failure;
    } finally {
      release();
    }
  }

  #drain(operation: 'flush' | 'close', options: DrainOptions): Promise<void> {
    // Thousands of open routes are sealed a slice per turn of the event loop (the first at once).
    const sealed = this.#assembler.sealAllInSlices();
    this.#deliveries.retryNow();
    const undelivered = () => ({ batches: this.#deliveries.pending().size, events: this.pendingEvents() });
    const settled = sealed.then(() => Promise.all([this.#deliveries.settled(), this.#parts.intake?.flush()])).then(() => undefined);
    return drainWithin(this.#parts.clock, operation, options, settled, undelivered);
  }

  /** How many destinations delivered the event `id` (0 while pending or once forgotten). */
  deliveredCount(id: string): number {
    const sequence = this.#ids.parse(id);
    const { ledger } = this.#parts;
    return ledger.deliveredCount(id) + (sequence === undefined ? 0 : ledger.deliveredCount(sequence));
  }

  /** Resolves when pending bytes are at or under three quarters of `maxPendingBytes` (at once if they are). */
  ready(): Promise<void> {
    return this.#parts.intake ? this.#parts.intake.ready() : this.#gate.ready();
  }

  /** Bytes of records accepted and not yet delivered. */
  get pendingBytes(): number {
    return this.#gate.bytes + (this.#parts.intake?.pendingBytes ?? 0);
  }

  /** Events and their record bytes that send() accepted since the start. */
  get accepted(): { readonly events: number; readonly bytes: number } {
    return { ...this.#accepted };
  }

  /** The batches given up on, oldest first. */
  deadLetters(): DeadLetter[] {
    return this.#deadLetters.list();
  }

  /** Takes dead letters (all, or those `filter` picks) back for delivery, with a fresh dead-letter clock. Returns how many. */
  replayDeadLetters(filter: (letter: DeadLetter) => boolean = () => true): number {
    if (this.#closing) throw new ClosedError();
    const batches = this.#deadLetters.take(filter);
    for (const batch of batches) this.#deliveries.track(batch, false);
    if (batches.length > 0) this.#parts.logger.info('dead letters replayed', { batches: batches.length });
    return batches.length;
  }

  /** Seals every open batch now (their uploads start at once). */
  sealAll(): void {
    this.#assembler.sealAll();
  }

  pendingEvents(): number {
    let events = 0;
    for (const batch of this.#pending()) events += batch.events;
    return events;
  }

  health(): RouteHealth[] {
    const own = this.#stats.report(this.#pending(), this.#deadLetters.batches());
    const intake = this.#parts.intake?.health?.();
    return intake ? [...own, ...intake] : own;
  }

  /** What the periodic health line is made of: this process's live batches, and the intake's lines (fleet mode). */
  #healthSnapshot(): HealthSnapshot {
    return { pending: [...this.#pending()], dead: this.#deadLetters.batches(), intake: this.#parts.intake?.health?.() };
  }

  *#pending(): Iterable<Batch> {
    yield* this.#deliveries.pending();
    yield* this.#assembler.open();
  }
}
