import { EventEmitter } from 'node:events';
import type { DrainOptions, Pipeline } from './pipeline/Pipeline.js';
import type { RouteHealth } from './pipeline/RouteHealth.js';
import { SLUICE_EVENT_NAMES, type DeadLetter, type SluiceEvents } from './pipeline/SluiceEvents.js';
import type { Receipt } from './send/Receipt.js';
import type { SendApi } from './send/SendApi.js';
import type { SendManyResult } from './send/SendManyResult.js';

/**
 * The application's handle: `send.<destination>(params)` anywhere, `flush()` when you need
 * everything stored now, `close()` once at shutdown. It is an EventEmitter of its
 * {@link SluiceEvents} (`on`, `once`, `off`, and Node's `events.once(sluice, 'delivered')` and
 * `events.on(sluice, 'deliveryError')`); it never emits `error`.
 */
export class Sluice extends EventEmitter<SluiceEvents> {
  /** One function per installed destination, e.g. `sluice.send.s3({ bucket, prefix, payload })`. */
  readonly send: SendApi;
  readonly #pipeline: Pipeline;
  readonly #detachProcessHooks: () => void;

  /** @param detachProcessHooks removes the process hooks (exit report, drain, signals) once closed. */
  constructor(pipeline: Pipeline, detachProcessHooks: () => void) {
    super();
    this.#pipeline = pipeline;
    for (const name of SLUICE_EVENT_NAMES) {
      pipeline.on(name, (...args: SluiceEvents[typeof name]) => this.emit(name, ...args));
    }
    this.#detachProcessHooks = detachProcessHooks;
    const send: Record<string, (params: unknown) => Receipt> = {};
    for (const name of pipeline.destinationNames()) send[name] = pipeline.sender(name);
    this.send = Object.freeze(send) as SendApi;
  }

  /** `send` by destination name, for destinations chosen at run time. */
  sendTo(destination: string, params: object): Receipt {
    return this.#pipeline.send(destination, params);
  }

  /**
   * Sends many events to one destination, as `sendTo` would one by one, but with one spool
   * write per run of events bound for one batch (a file spool then does one write(2) for a
   * request's worth of events, not one per event). Synchronous. An item with bad parameters,
   * too large or not serializable is refused alone (`refused`); backpressure or a spool failure
   * stops the call (`stopped`: nothing from that item on is accepted, and a failed write
   * leaves its items out whole). Throws ClosedError after close(), and for an unknown destination.
   * An error that is not a SluiceError (a bug in a destination's `route` or serializer) is
   * thrown as `send` would, after the items before it were stored.
   */
  sendMany(destination: string, items: readonly object[]): SendManyResult {
    return this.#pipeline.sendMany(destination, items);
  }

  /**
   * Checks `params` for `destination` as `send` would (its schema, `payload`, `id`) without
   * sending: throws ValidationError saying what is wrong, or SLUICE_UNKNOWN_DESTINATION.
   */
  validate(destination: string, params: object): void {
    this.#pipeline.validate(destination, params);
  }

  /**
   * Seals every open batch and resolves once everything accepted so far is stored. Rejects
   * with ShutdownTimeoutError after `timeoutMs`, or AbortedError when `signal` aborts; either
   * way the batches stay pending and keep being delivered.
   */
  flush(options?: DrainOptions): Promise<void> {
    return this.#pipeline.flush(options);
  }

  /**
   * Stops accepting events (send throws ClosedError), delivers everything, stops every timer
   * and closes every part. Safe to call more than once. While it is pending the process stays
   * alive; once it has settled nothing of the sluice's does. Rejects with ShutdownTimeoutError
   * if `timeoutMs` passes first, or AbortedError when `signal` aborts; then the sluice stops as
   * it does at a deadline (what is undelivered stays in a durable spool), and if the process
   * exits with events undelivered, it logs how many. A second call returns the first call's
   * promise, whatever its options.
   */
  close(options?: DrainOptions): Promise<void> {
    const closing = this.#pipeline.close(options);
    // The exit report stays while anything is undelivered.
    void closing.then(() => this.#detachProcessHooks(), () => {});
    return closing;
  }

  /**
   * Resolves when send() accepts again after a BackpressureError: once pending bytes are at
   * or under three quarters of maxPendingBytes (at once if they already are).
   */
  ready(): Promise<void> {
    return this.#pipeline.ready();
  }

  /** Bytes of records accepted and not yet delivered. */
  get pendingBytes(): number {
    return this.#pipeline.pendingBytes;
  }

  /** Events send() and sendMany() accepted since the sluice started (a counter; recovered batches are not counted again). */
  get acceptedEvents(): number {
    return this.#pipeline.accepted.events;
  }

  /** Bytes of the records send() and sendMany() accepted since the sluice started (a counter), counted as pendingBytes counts them. */
  get acceptedBytes(): number {
    return this.#pipeline.accepted.bytes;
  }

  /** Batches given up on after deadLetterAfterMs of failures, with the reason. */
  deadLetters(): DeadLetter[] {
    return this.#pipeline.deadLetters();
  }

  /** Delivers dead letters again (all, or those `filter` picks); returns how many. */
  replayDeadLetters(filter?: (letter: DeadLetter) => boolean): number {
    return this.#pipeline.replayDeadLetters(filter);
  }

  /** How many destinations have delivered the event `id` (0 while pending or if forgotten). */
  deliveredCount(id: string): number {
    return this.#pipeline.deliveredCount(id);
  }

  /** Per destination route: pending events and bytes, deliveries, last error, retries. */
  health(): RouteHealth[] {
    return this.#pipeline.health();
  }
}
