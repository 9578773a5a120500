import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Batcher } from '../batch/Batcher.js';
import { batchIdentifier } from '../batch/batchIdentifier.js';
import type { SluiceOptions } from '../config.js';
import type { Destination, Route } from '../destination/Destination.js';
import { BackpressureError } from '../errors/BackpressureError.js';
import { ClosedError } from '../errors/ClosedError.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import { EventTooLargeError } from '../errors/EventTooLargeError.js';
import { ShutdownTimeoutError } from '../errors/ShutdownTimeoutError.js';
import { EventIds } from '../ids/EventIds.js';
import { keepProcessAlive } from '../lifecycle/keepProcessAlive.js';
import type { DeliveryLedger } from '../ledger/DeliveryLedger.js';
import type { Logger } from '../log/Logger.js';
import { retryDelay } from '../retry/backoff.js';
import type { Receipt } from '../send/Receipt.js';
import type { CommonSendParams } from '../send/SendApi.js';
import type { DeadLetterReason, Spool } from '../spool/Spool.js';
import type { Clock, Timer } from '../time/Clock.js';
import type { UploadResult } from '../upload/Uploader.js';
import { compileValidator } from '../validation/ajv.js';
import { Batch } from './Batch.js';
import type { DestinationState } from './DestinationState.js';
import { RouteCache, routingFields } from './RouteCache.js';
import { healthReport } from './healthReport.js';
import { emptyRouteCounters, type RouteCounters, type RouteHealth } from './RouteHealth.js';
import type { DeadLetter, SluiceEvents } from './SluiceEvents.js';

export interface PipelineParts {
  readonly clock: Clock;
  readonly batcher: Batcher;
  readonly spool: Spool;
  readonly ledger: DeliveryLedger;
  readonly logger: Logger;
  readonly options: SluiceOptions;
}

/** Options of `flush()` and `close()`. */
export interface DrainOptions {
  /** Give up waiting after this many ms of the sluice's clock. Default: wait until delivered. */
  readonly timeoutMs?: number;
}

/**
 * The engine behind a sluice: accepts events into open batches per destination route, seals
 * them when the batcher says so, and delivers sealed batches with bounded concurrency,
 * retrying failures with backoff until they are stored. It never drops a batch.
 */
export class Pipeline extends EventEmitter<SluiceEvents> {
  readonly #parts: PipelineParts;
  readonly #destinations = new Map<string, DestinationState>();
  /** Sealed batches not yet delivered, in seal order. */
  readonly #undelivered = new Set<Batch>();
  readonly #ready: Batch[] = [];
  /** Attempts under way: how to abort each, and when it has ended. */
  readonly #inflight = new Map<Batch, { controller: AbortController; ended: Promise<void> }>();
  /** Batches given up on, by identifier, with why. */
  readonly #deadLetters = new Map<string, { batch: Batch; reason: DeadLetterReason }>();
  /** Bytes of records accepted and not yet delivered (open and sealed batches). */
  #pendingBytes = 0;
  #readyWaiters: Array<() => void> = [];
  /** A BackpressureError was thrown since the last 'ready' event. */
  #backpressured = false;
  /** Random per start: part of every batch identity and event id this sluice makes. */
  readonly #incarnation = randomBytes(16).toString('hex');
  readonly #ids: EventIds;
  #closing: Promise<void> | undefined;
  /** Set once close() has finished or given up: no more attempts are scheduled. */
  #stopped = false;
  #healthTimer: Timer | undefined;

  constructor(parts: PipelineParts, destinations: readonly Destination[]) {
    super();
    this.#parts = parts;
    this.#ids = new EventIds(parts.options.producerId, this.#incarnation);
    for (const destination of destinations) this.#register(destination);
    this.#recover();
    this.#scheduleHealthLog();
  }

  #scheduleHealthLog(): void {
    const interval = this.#parts.options.healthLogIntervalMs;
    if (interval === 0) return;
    this.#healthTimer = this.#parts.clock.setTimer(interval, () => {
      for (const route of this.health()) this.#parts.logger.info('route health', { ...route });
      if (!this.#stopped) this.#scheduleHealthLog();
    });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  destinationNames(): string[] {
    return [...this.#destinations.keys()];
  }

  /** Validates, encodes and enqueues one event. Synchronous; throws on bad input. */
  send(name: string, params: unknown): Receipt {
    return this.#send(this.#state(name), params);
  }

  /** `send` bound to one destination, looked up once: what `sluice.send.<name>` calls. */
  sender(name: string): (params: unknown) => Receipt {
    const state = this.#state(name);
    return (params) => this.#send(state, params);
  }

  #state(name: string): DestinationState {
    const state = this.#destinations.get(name);
    if (!state) {
      throw new TypeError(
        `No destination named "${name}" is installed (installed: ${this.destinationNames().join(', ') || 'none'}). Add its module to createSluice({ modules }).`,
      );
    }
    return state;
  }

  #send(state: DestinationState, params: unknown): Receipt {
    if (this.#closing) throw new ClosedError();
    const { payload, id: givenId } = (params ?? {}) as CommonSendParams;
    const route = this.#route(state, params, payload, givenId);
    const record = state.destination.serializer.encode(payload);
    // Counted as characters, its exact UTF-8 size for ASCII; the spool reports the rest as
    // soon as it has the bytes (see SpoolBatch.append). Only an event that could be over the
    // limit is measured exactly here.
    const chars = record.length;
    const maxEventBytes = this.#parts.options.maxEventBytes;
    if (chars * 3 > maxEventBytes) {
      const exact = Buffer.byteLength(record);
      if (exact > maxEventBytes) throw new EventTooLargeError(exact, maxEventBytes);
    }
    if (this.#pendingBytes + chars > this.#parts.options.maxPendingBytes) {
      this.#backpressured = true;
      throw new BackpressureError(this.#pendingBytes, this.#parts.options.maxPendingBytes);
    }

    const now = this.#parts.clock.now();
    let batch = state.open.get(route.id);
    if (batch && (now >= batch.window.end || this.#parts.batcher.wouldOverflow(batch, chars))) {
      this.#seal(batch);
      batch = undefined;
    }
    batch ??= this.#open(state, route, now);

    // A made-up id is kept as its sequence number and spelled out only if the receipt's id
    // is read: a string per event kept until delivery would cost the collector dearly.
    const bytes = chars + batch.records.append(record);
    let id: string | number;
    if (givenId === undefined) batch.addSequence((id = this.#ids.next()));
    else batch.givenIds.push((id = givenId));
    batch.events += 1;
    batch.bytes += bytes;
    this.#pendingBytes += bytes;
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
   * Stops accepting events, delivers everything, then stops every timer. Calling it again
   * returns the same promise. On timeout it aborts uploads in flight and rejects with
   * {@link ShutdownTimeoutError}; with the memory spool those events are lost.
   */
  close(options: DrainOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  /**
   * Drains, then stops every timer, aborts what is still uploading, waits for those attempts
   * to end, and closes the parts once each: destinations, uploaders and serializers (their
   * sockets and sweeps), the spool last. The process is held open until all that is done.
   */
  async #close(options: DrainOptions): Promise<void> {
    const release = keepProcessAlive();
    try {
      let failure: unknown;
      try {
        await this.#drain('close', options);
      } catch (error) {
        failure = error;
      }
      this.#stopped = true;
      this.#healthTimer?.cancel();
      for (const batch of this.#undelivered) batch.timer?.cancel();
      const attempts = [...this.#inflight.values()];
      for (const { controller } of attempts) controller.abort(new Error('sluice closed'));
      await Promise.all(attempts.map(({ ended }) => ended));
      await this.#closeParts();
      if (failure !== undefined) throw failure;
    } finally {
      release();
    }
  }

  async #closeParts(): Promise<void> {
    const parts = new Set<{ close?(): void | Promise<void> }>();
    for (const { destination } of this.#destinations.values()) {
      parts.add(destination).add(destination.uploader).add(destination.serializer);
    }
    parts.add(this.#parts.spool);
    for (const part of parts) {
      try {
        await part.close?.();
      } catch (error) {
        this.#parts.logger.warn('a part failed to close', { part: part.constructor.name, error: String(error) });
      }
    }
  }

  /** How many destinations delivered the event `id` (0 while pending or once forgotten). */
  deliveredCount(id: string): number {
    const sequence = this.#ids.parse(id);
    return this.#parts.ledger.deliveredCount(id) + (sequence === undefined ? 0 : this.#parts.ledger.deliveredCount(sequence));
  }

  /**
   * Resolves when pending bytes are at or under three quarters of `maxPendingBytes` (at once
   * if they are already): the moment to send again after a BackpressureError. The margin
   * keeps a producer from bouncing off the limit event by event.
   */
  ready(): Promise<void> {
    if (this.#belowLowWater()) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Bytes of records accepted and not yet delivered. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** The batches given up on, oldest first. */
  deadLetters(): DeadLetter[] {
    return [...this.#deadLetters.values()].map(({ batch, reason }) => this.#deadLetterOf(batch, reason));
  }

  /**
   * Takes dead letters (all, or those `filter` picks) back for delivery, as new attempts
   * with a fresh dead-letter clock. Returns how many.
   */
  replayDeadLetters(filter: (letter: DeadLetter) => boolean = () => true): number {
    if (this.#closing) throw new ClosedError();
    let count = 0;
    for (const [identifier, { batch, reason }] of [...this.#deadLetters]) {
      if (!filter(this.#deadLetterOf(batch, reason))) continue;
      this.#deadLetters.delete(identifier);
      batch.records.revive();
      batch.revive();
      this.#track(batch);
      count += 1;
    }
    if (count > 0) this.#parts.logger.info('dead letters replayed', { batches: count });
    return count;
  }

  /** Seals every open batch now (their uploads start at once). */
  sealAll(): void {
    for (const state of this.#destinations.values()) for (const batch of [...state.open.values()]) this.#seal(batch);
  }

  pendingEvents(): number {
    let events = 0;
    for (const batch of this.#allPending()) events += batch.events;
    return events;
  }

  health(): RouteHealth[] {
    return healthReport(
      [...this.#destinations.values()],
      this.#allPending(),
      [...this.#deadLetters.values()].map(({ batch }) => batch),
    );
  }

  /**
   * Validates `params` and maps them to their route. Parameters whose routing fields were
   * validated before skip the schema: only `payload` and `id` are checked, which keeps
   * validation off the cost of a send in the common case of few distinct destinations.
   */
  #route(state: DestinationState, params: unknown, payload: unknown, id: unknown): Route {
    if (typeof params !== 'object' || params === null) return state.destination.route(state.validate(params));
    const cached = state.routes.get(params);
    if (cached && payload !== undefined && (id === undefined || (typeof id === 'string' && id.length > 0 && id.length <= 256))) {
      return cached;
    }
    // Taken before validation, which may fill in defaults.
    const fields = routingFields(params);
    const route = state.destination.route(state.validate(params));
    if (fields) state.routes.set(fields, route);
    return route;
  }

  #register(destination: Destination): void {
    if (this.#destinations.has(destination.name)) {
      throw new TypeError(`Two destinations are named "${destination.name}": each DESTINATION binding needs its own name.`);
    }
    const schema = destination.paramsSchema;
    const validate = compileValidator<object & CommonSendParams>(`send.${destination.name}() parameters`, {
      ...schema,
      type: 'object',
      additionalProperties: false,
      properties: {
        ...(schema.properties as object),
        payload: {
          description: 'The event: any JSON-serializable value.',
          'x-fix': 'Pass the event as `payload`; to send "nothing", send null.',
        },
        id: {
          type: 'string',
          minLength: 1,
          maxLength: 256,
          description: 'Optional event id, shared by the sends of one event to several destinations.',
        },
      },
      required: [...((schema.required as string[] | undefined) ?? []), 'payload'],
    });
    this.#destinations.set(destination.name, {
      destination,
      validate,
      routes: new RouteCache(),
      open: new Map(),
      sequences: new Map(),
      counters: new Map(),
    });
  }

  #open(state: DestinationState, route: Route, now: number): Batch {
    const window = this.#parts.batcher.windowOf(now);
    const last = state.sequences.get(route.id);
    const sequence = last && last.windowStart === window.start ? last.next : 0;
    state.sequences.set(route.id, { windowStart: window.start, next: sequence + 1 });
    const identity = {
      routeId: route.id,
      windowStart: window.start,
      sequence,
      producerId: this.#parts.options.producerId,
      incarnation: this.#incarnation,
    };
    const identifier = batchIdentifier(identity);
    const records = this.#parts.spool.open({
      destination: state.destination.name,
      routeId: route.id,
      target: route.target,
      identity,
      identifier,
      window,
      openedAt: now,
    });
    const batch = new Batch(state, route.id, route.target, identity, identifier, window, now, records);
    batch.timer = this.#parts.clock.setTimer(window.end - now, () => {
      this.#seal(batch);
      // The window is over: its sequence counter is no longer needed, and keeping it would
      // grow memory with every route ever seen.
      if (state.sequences.get(route.id)?.windowStart === window.start) state.sequences.delete(route.id);
    });
    state.open.set(route.id, batch);
    return batch;
  }

  #seal(batch: Batch): void {
    if (batch.state !== 'open') return;
    batch.timer?.cancel();
    batch.timer = undefined;
    batch.state = 'sealed';
    const state = batch.destination;
    if (state.open.get(batch.routeId) === batch) state.open.delete(batch.routeId);
    this.#undelivered.add(batch);
    this.#enqueue(batch);
  }

  /** Takes a sealed batch that is not yet counted (recovered or replayed) into delivery. */
  #track(batch: Batch): void {
    this.#pendingBytes += batch.bytes;
    this.#undelivered.add(batch);
    this.#enqueue(batch);
  }

  /** Delivers what a dead process left in a durable spool, under the batches' original identities. */
  #recover(): void {
    let recovered = 0;
    for (const found of this.#parts.spool.recover()) {
      const state = this.#destinations.get(found.meta.destination);
      if (!state) {
        this.#parts.logger.error('spooled batch of a destination that is not installed; left in the spool', {
          destination: found.meta.destination,
          route: found.meta.routeId,
          identifier: found.meta.identifier,
        });
        continue;
      }
      const { meta } = found;
      const batch = new Batch(state, meta.routeId, meta.target, meta.identity, meta.identifier, meta.window, meta.openedAt, found.batch);
      batch.state = 'sealed';
      batch.recovered = true;
      batch.events = found.events;
      batch.bytes = found.bytes;
      if (found.deadLetter) {
        batch.markDead();
        this.#deadLetters.set(meta.identifier, { batch, reason: found.deadLetter });
        continue;
      }
      this.#track(batch);
      recovered += 1;
    }
    if (recovered > 0) this.#parts.logger.info('recovered batches from the spool', { batches: recovered, deadLetters: this.#deadLetters.size });
  }

  #enqueue(batch: Batch): void {
    this.#ready.push(batch);
    this.#pump();
  }

  #pump(): void {
    while (this.#inflight.size < this.#parts.options.maxConcurrentUploads && this.#ready.length > 0) {
      const batch = this.#ready.shift() as Batch;
      const controller = new AbortController();
      const ended = this.#attempt(batch, controller.signal).finally(() => {
        this.#inflight.delete(batch);
        this.#pump();
      });
      this.#inflight.set(batch, { controller, ended });
    }
  }

  async #attempt(batch: Batch, signal: AbortSignal): Promise<void> {
    const { destination } = batch.destination;
    try {
      const info = batch.info();
      batch.key ??= destination.keyFormatter.format(info, destination.serializer.extension);
      const body = destination.serializer.serialize(batch.records.contents());
      let result: UploadResult;
      try {
        result = await destination.uploader.upload({
          batch: info,
          key: batch.key,
          body,
          contentType: destination.serializer.contentType,
          signal,
          firstAttempt: batch.failures === 0 && !batch.recovered,
        });
      } finally {
        // An uploader that failed without reading the body to its end must not leave the
        // serializer's work (and what it holds) running.
        body.destroy();
      }
      this.#delivered(batch, result);
    } catch (error) {
      this.#failed(batch, error);
    }
  }

  #delivered(batch: Batch, result: UploadResult): void {
    const now = this.#parts.clock.now();
    this.#undelivered.delete(batch);
    this.#release(batch);
    batch.records.discard();
    batch.markDelivered(result.location, now);
    this.#parts.ledger.recordDelivered(batch.givenIds, batch.sequenceRuns);
    const counters = this.#counters(batch);
    counters.deliveredEvents += batch.events;
    counters.deliveredObjects += 1;
    counters.lastDeliveryAt = now;
    counters.lastError = undefined;
    const event = {
      destination: batch.destination.destination.name,
      route: batch.routeId,
      key: batch.key as string,
      location: result.location,
      events: batch.events,
      bytes: result.bytes,
      parts: result.parts,
      alreadyExisted: result.alreadyExisted,
      attempts: batch.failures + 1,
    };
    this.#parts.logger.info('batch delivered', event);
    this.emit('delivered', event);
  }

  #failed(batch: Batch, error: unknown): void {
    const now = this.#parts.clock.now();
    batch.failures += 1;
    batch.firstFailureAt ??= now;
    const retryable = !(error instanceof DeliveryError) || error.retryable;
    const code = error instanceof DeliveryError ? error.destinationCode : ((error as { name?: string }).name ?? 'Error');
    const message = error instanceof Error ? error.message : String(error);
    const counters = this.#counters(batch);
    counters.retries += 1;
    counters.lastError = { at: now, code, message };
    const retryInMs = retryDelay(this.#parts.options.retry, batch.failures, retryable);
    const event = {
      destination: batch.destination.destination.name,
      route: batch.routeId,
      key: batch.key,
      events: batch.events,
      attempt: batch.failures,
      retryable,
      retryInMs,
      code,
      error,
    };
    this.#parts.logger[retryable ? 'warn' : 'error']('batch delivery failed; will retry', {
      ...event,
      error: message,
    });
    this.emit('deliveryError', event);
    if (now - batch.firstFailureAt >= this.#parts.options.deadLetterAfterMs) {
      this.#bury(batch, { at: now, code, message, attempts: batch.failures, firstFailureAt: batch.firstFailureAt });
      return;
    }
    if (this.#stopped) return;
    batch.timer = this.#parts.clock.setTimer(retryInMs, () => {
      batch.timer = undefined;
      this.#enqueue(batch);
    });
  }

  /** Moves a batch that kept failing to the dead letters, where it waits for a replay. */
  #bury(batch: Batch, reason: DeadLetterReason): void {
    this.#undelivered.delete(batch);
    this.#release(batch);
    batch.records.deadLetter(reason);
    batch.markDead();
    this.#deadLetters.set(batch.identifier, { batch, reason });
    const letter = this.#deadLetterOf(batch, reason);
    this.#parts.logger.error('batch moved to the dead letters after failing too long; replay it once the cause is fixed', { ...letter });
    this.emit('deadLetter', letter);
  }

  #deadLetterOf(batch: Batch, reason: DeadLetterReason): DeadLetter {
    return {
      identifier: batch.identifier,
      destination: batch.destination.destination.name,
      route: batch.routeId,
      key: batch.key,
      events: batch.events,
      bytes: batch.bytes,
      reason,
    };
  }

  /** A batch stopped counting against maxPendingBytes: wake those waiting in ready(). */
  #release(batch: Batch): void {
    this.#pendingBytes -= batch.bytes;
    if ((this.#readyWaiters.length > 0 || this.#backpressured) && this.#belowLowWater()) {
      const waiters = this.#readyWaiters;
      this.#readyWaiters = [];
      this.#backpressured = false;
      for (const resolve of waiters) resolve();
      this.emit('ready');
    }
  }

  #belowLowWater(): boolean {
    return this.#pendingBytes <= this.#parts.options.maxPendingBytes * 0.75;
  }

  async #drain(operation: 'flush' | 'close', { timeoutMs }: DrainOptions): Promise<void> {
    this.sealAll();
    // Batches waiting out a backoff are tried once more now rather than after their delay.
    for (const batch of this.#undelivered) {
      if (batch.timer) {
        batch.timer.cancel();
        batch.timer = undefined;
        this.#enqueue(batch);
      }
    }
    const settled = Promise.all([...this.#undelivered].map((batch) => batch.whenSettled())).then(() => undefined);
    if (timeoutMs === undefined) return settled;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#parts.clock.setTimer(timeoutMs, () =>
        reject(new ShutdownTimeoutError(operation, timeoutMs, this.#undelivered.size, this.pendingEvents())),
      );
    });
    try {
      await Promise.race([settled, timeout]);
    } finally {
      timer?.cancel();
    }
  }

  #counters(batch: Batch): RouteCounters {
    const { counters } = batch.destination;
    let entry = counters.get(batch.routeId);
    if (!entry) counters.set(batch.routeId, (entry = emptyRouteCounters()));
    return entry;
  }

  /** Open batches and sealed ones not yet delivered. */
  *#allPending(): Iterable<Batch> {
    yield* this.#undelivered;
    for (const state of this.#destinations.values()) yield* state.open.values();
  }
}

/** A receipt whose id is spelled out, and whose delivery promise is made, only if someone asks. */
class PendingReceipt implements Receipt {
  #key: string | number;
  readonly #batch: Batch;
  readonly #ids: EventIds;
  #delivered: ReturnType<Batch['whenDelivered']> | undefined;

  constructor(key: string | number, batch: Batch, ids: EventIds) {
    this.#key = key;
    this.#batch = batch;
    this.#ids = ids;
  }

  get id(): string {
    if (typeof this.#key === 'number') this.#key = this.#ids.format(this.#key);
    return this.#key;
  }

  get delivered(): ReturnType<Batch['whenDelivered']> {
    return (this.#delivered ??= this.#batch.whenDelivered(this.id));
  }
}
