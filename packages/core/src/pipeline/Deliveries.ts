import type { SluiceOptions } from '../config.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import type { DeliveryLedger } from '../ledger/DeliveryLedger.js';
import type { Logger } from '../log/Logger.js';
import { retryDelay } from '../retry/backoff.js';
import type { Clock } from '../time/Clock.js';
import type { UploadResult } from '../upload/Uploader.js';
import type { Batch } from './Batch.js';
import type { BatchStreamer } from './BatchStreamer.js';
import type { DeadLetters } from './DeadLetters.js';
import { deliverBatch } from './deliverBatch.js';
import { DeliveryQueue } from './DeliveryQueue.js';
import type { PendingBytesGate } from './PendingBytesGate.js';
import type { RouteStats } from './RouteStats.js';
import { UploadConcurrency, type UploadConcurrencyOptions } from './UploadConcurrency.js';
import type { DeliveredEvent, DeliveryErrorEvent } from './SluiceEvents.js';

export interface DeliveriesParts {
  readonly clock: Clock;
  readonly ledger: DeliveryLedger;
  readonly logger: Logger;
  readonly options: Pick<SluiceOptions, 'deadLetterAfterMs' | 'retry'> & UploadConcurrencyOptions;
  readonly gate: PendingBytesGate;
  readonly stats: RouteStats;
  readonly deadLetters: DeadLetters;
  /** Finishes the batches streamed while open. */
  readonly streamer: BatchStreamer;
  readonly onDelivered: (event: DeliveredEvent) => void;
  readonly onDeliveryError: (event: DeliveryErrorEvent) => void;
  /** Randomness of the retry jitter; injectable so tests are deterministic. */
  readonly random?: () => number;
}

/**
 * Every sealed batch from the moment it is taken into delivery until it is stored or buried:
 * attempts through the queue, and what each outcome means. A stored batch frees its pending
 * bytes, its spool records and its receipts; a failed one is retried with backoff, and after
 * `deadLetterAfterMs` of failures moved to the dead letters. Nothing is dropped.
 */
export class Deliveries {
  readonly #parts: DeliveriesParts;
  readonly #undelivered = new Set<Batch>();
  readonly #queue: DeliveryQueue;
  #stopped = false;

  constructor(parts: DeliveriesParts) {
    this.#parts = parts;
    this.#queue = new DeliveryQueue(parts.clock, new UploadConcurrency(parts.options), (batch, signal) => this.#attempt(batch, signal));
  }

  /**
   * Takes a sealed batch into delivery. A batch sealed from open already counts against the
   * pending bytes; a recovered or replayed one (`counted: false`) is added now.
   */
  track(batch: Batch, counted: boolean): void {
    if (!counted) this.#parts.gate.add(batch.bytes, batch);
    this.#undelivered.add(batch);
    this.#queue.enqueue(batch);
  }

  /** Sealed batches not yet stored or buried. */
  pending(): ReadonlySet<Batch> {
    return this.#undelivered;
  }

  /** Tries batches waiting out a backoff now (flush, close). */
  retryNow(): void {
    this.#queue.retryNow();
  }

  /** Resolves when every batch pending now is stored or buried. */
  settled(): Promise<void> {
    return Promise.all([...this.#undelivered].map((batch) => batch.whenSettled())).then(() => undefined);
  }

  /** Schedules nothing more, aborts attempts in flight and resolves once they have ended. */
  stop(): Promise<void> {
    this.#stopped = true;
    return this.#queue.stop(new Error('sluice closed'));
  }

  async #attempt(batch: Batch, signal: AbortSignal): Promise<boolean> {
    try {
      const streamed = await this.#parts.streamer.finish(batch, signal);
      this.#delivered(batch, streamed ?? (await deliverBatch(batch, signal)));
      return true;
    } catch (error) {
      this.#failed(batch, error);
      return false;
    }
  }

  #delivered(batch: Batch, result: UploadResult): void {
    const { clock, gate, ledger, logger, stats } = this.#parts;
    const now = clock.now();
    this.#undelivered.delete(batch);
    gate.release(batch);
    try {
      batch.records.discard();
    } catch (error) {
      // Stored all the same; a durable spool that kept the files delivers them again to the
      // same key, which a conditional write answers with "already exists".
      logger.warn('batch stored, but its spool files could not be removed', { identifier: batch.identifier, error: String(error) });
    }
    batch.markDelivered(result.location, now);
    ledger.recordDelivered(batch.givenIds, batch.sequenceRuns);
    stats.delivered(batch, now);
    const event: DeliveredEvent = {
      destination: batch.route.destination.name,
      route: batch.route.routeId,
      key: batch.key as string,
      location: result.location,
      events: batch.events,
      bytes: result.bytes,
      recordBytes: batch.bytes,
      openedAt: batch.openedAt,
      deliveredAt: now,
      parts: result.parts,
      alreadyExisted: result.alreadyExisted,
      attempts: batch.attempts,
    };
    logger.info('batch delivered', { ...event });
    this.#parts.onDelivered(event);
  }

  #failed(batch: Batch, error: unknown): void {
    const { clock, logger, options, stats } = this.#parts;
    const now = clock.now();
    const failures = batch.markFailed(now);
    const retryable = !(error instanceof DeliveryError) || error.retryable;
    const code = error instanceof DeliveryError ? error.destinationCode : ((error as { name?: string } | undefined)?.name ?? 'Error');
    const message = error instanceof Error ? error.message : String(error);
    stats.failed(batch, now, code, message);
    const retryInMs = retryDelay(options.retry, failures, retryable, this.#parts.random);
    const event: DeliveryErrorEvent = {
      destination: batch.route.destination.name,
      route: batch.route.routeId,
      key: batch.key,
      events: batch.events,
      attempt: failures,
      retryable,
      retryInMs,
      code,
      error,
    };
    logger[retryable ? 'warn' : 'error']('batch delivery failed; will retry', { ...event, error: message });
    this.#parts.onDeliveryError(event);
    if (now - (batch.firstFailureAt ?? now) >= options.deadLetterAfterMs) {
      this.#undelivered.delete(batch);
      this.#parts.gate.release(batch);
      this.#parts.deadLetters.bury(batch, { at: now, code, message, attempts: failures, firstFailureAt: batch.firstFailureAt ?? now });
      return;
    }
    if (!this.#stopped) this.#queue.retryLater(batch, retryInMs);
  }
}
