import type { BatchWindow } from '../batch/Batcher.js';
import type { BatchIdentity, BatchInfo } from '../batch/BatchInfo.js';
import type { Destination } from '../destination/Destination.js';
import type { DeliveryReport } from '../send/Receipt.js';
import type { SpoolBatch } from '../spool/Spool.js';
import { PartialAppendError } from './PartialAppendError.js';

export type BatchState = 'open' | 'sealed' | 'delivered' | 'dead';

/** Where a batch goes: its destination and the route within it. */
export interface BatchRoute {
  readonly destination: Destination;
  readonly routeId: string;
  readonly target: unknown;
}

/** What a batch recovered from a durable spool already holds. */
export interface RecoveredContents {
  readonly events: number;
  readonly bytes: number;
}

type Waiter = { readonly id: string; readonly resolve: (report: DeliveryReport) => void };

/**
 * One batch through its life: open (accepting events) → sealed (immutable, being delivered)
 * → delivered, or dead (a dead letter, which a replay seals again). Every change of state or
 * count goes through a method here; the records themselves live in the spool.
 */
export class Batch {
  #state: BatchState;
  #events = 0;
  #bytes = 0;
  readonly #givenIds: string[] = [];
  /** Sequence numbers of the ids the sluice made, as flat [start, end) runs. */
  readonly #sequenceRuns: number[] = [];
  #failures = 0;
  #attempts = 0;
  #firstFailureAt: number | undefined;
  #key: string | undefined;
  #location: string | undefined;
  #deliveredAt: number | undefined;
  /** Bytes handed to a stream while open (see take()). */
  #taken = 0;
  /** Bytes of this batch counted against maxPendingBytes: records, then compressed pieces until stored. */
  #pending = 0;
  #waiters: Waiter[] | undefined;
  #settled: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Recovered from a durable spool: an earlier process may have started uploading it. */
  readonly recovered: boolean;

  constructor(
    readonly route: BatchRoute,
    readonly identity: BatchIdentity,
    readonly identifier: string,
    readonly window: BatchWindow,
    readonly openedAt: number,
    readonly records: SpoolBatch,
    recovered?: RecoveredContents,
  ) {
    this.recovered = recovered !== undefined;
    this.#state = recovered ? 'sealed' : 'open';
    if (recovered) {
      this.#events = recovered.events;
      this.#bytes = recovered.bytes;
    }
  }

  get state(): BatchState {
    return this.#state;
  }
  get events(): number {
    return this.#events;
  }
  /** Bytes of the records (UTF-8, as far as the spool has reported; see SpoolBatch.append). */
  get bytes(): number {
    return this.#bytes;
  }
  get givenIds(): readonly string[] {
    return this.#givenIds;
  }
  get sequenceRuns(): readonly number[] {
    return this.#sequenceRuns;
  }
  /** Failed attempts since the last success or replay: drives the backoff. */
  get failures(): number {
    return this.#failures;
  }
  /** When the current run of failures began: drives the move to the dead letters. */
  get firstFailureAt(): number | undefined {
    return this.#firstFailureAt;
  }
  get key(): string | undefined {
    return this.#key;
  }
  /** Bytes appended and not yet taken into a stream. */
  get untakenBytes(): number {
    return this.#bytes - this.#taken;
  }
  /** Bytes of this batch counted against maxPendingBytes (see PendingBytesGate). */
  get pendingBytes(): number {
    return this.#pending;
  }

  /** Changes the bytes counted against maxPendingBytes; only the gate calls it. */
  countPending(delta: number): void {
    this.#pending += delta;
  }

  /**
   * The records appended since the last take, for a stream; `bytes` is how many. The spool
   * must support taking (SpoolBatch.take).
   */
  take(): { chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>; bytes: number } {
    if (!this.records.take) throw new TypeError('This spool cannot hand records out while a batch is open (SpoolBatch.take).');
    const chunks = this.records.take();
    const bytes = this.#bytes - this.#taken;
    this.#taken = this.#bytes;
    return { chunks, bytes };
  }

  /**
   * Stores one record through the spool and counts it under `id` (a given id, or the sequence
   * number of one the sluice made). Returns the bytes it added: the record's length, plus what
   * the spool reports of UTF-8 beyond one byte per character. Throws what the spool throws,
   * having counted nothing.
   */
  append(record: string, id: string | number): number {
    const bytes = record.length + this.records.append(record);
    this.#count(id);
    this.#bytes += bytes;
    return bytes;
  }

  #count(id: string | number): void {
    if (typeof id === 'string') this.#givenIds.push(id);
    else this.#addSequence(id);
    this.#events += 1;
  }

  /**
   * Stores `records` through the spool, all or nothing, and counts each under its id in `ids`
   * (same order). Returns the bytes they added, as `append` does. A spool without
   * `appendMany` gets them one at a time; if one of those fails, the records before it stay
   * stored and counted, and the error carries how many in `appended` (see {@link PartialAppendError}).
   */
  appendMany(records: readonly string[], ids: ReadonlyArray<string | number>): number {
    let bytes = 0;
    if (this.records.appendMany) {
      bytes = this.records.appendMany(records);
      for (const record of records) bytes += record.length;
      for (const id of ids) this.#count(id);
      this.#bytes += bytes;
      return bytes;
    }
    for (let i = 0; i < records.length; i += 1) {
      try {
        bytes += this.append(records[i] as string, ids[i] as string | number);
      } catch (error) {
        throw new PartialAppendError(i, bytes, error);
      }
    }
    return bytes;
  }

  /** Open → sealed; false if it was not open. */
  seal(): boolean {
    if (this.#state !== 'open') return false;
    this.#state = 'sealed';
    return true;
  }

  /** The object key, fixed the first time it is asked for, so every attempt writes the same one. */
  keyFrom(format: (info: BatchInfo) => string): string {
    return (this.#key ??= format(this.info()));
  }

  info(): BatchInfo {
    return {
      identity: this.identity,
      identifier: this.identifier,
      openedAt: this.openedAt,
      window: this.window,
      target: this.route.target,
      events: this.#events,
      bytes: this.#bytes,
    };
  }

  /** Attempts started, over the batch's whole life in this process. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * Counts an attempt starting; true if it is the first at this batch anywhere: not after a
   * failure, a replay or a recovery, when an earlier attempt may have left a partial upload.
   */
  beginAttempt(): boolean {
    return ++this.#attempts === 1 && !this.recovered;
  }

  /** Counts a failed attempt at `now`; returns the failures so far. */
  markFailed(now: number): number {
    this.#firstFailureAt ??= now;
    return ++this.#failures;
  }

  markDelivered(location: string, at: number): void {
    this.#state = 'delivered';
    this.#location = location;
    this.#deliveredAt = at;
    for (const waiter of this.#waiters ?? []) waiter.resolve(this.#report(waiter.id));
    this.#waiters = undefined;
    this.#settle();
  }

  /** Moved to the dead letters: flush() stops waiting for it; receipts stay pending. */
  markDead(): void {
    this.#state = 'dead';
    this.#settle();
  }

  /** Back from the dead letters for another round of attempts, with a fresh failure count. */
  revive(): void {
    this.#state = 'sealed';
    this.#failures = 0;
    this.#firstFailureAt = undefined;
  }

  /** The delivery report of event `id`, once the batch is stored. */
  whenDelivered(id: string): Promise<DeliveryReport> {
    if (this.#state === 'delivered') return Promise.resolve(this.#report(id));
    return new Promise((resolve) => (this.#waiters ??= []).push({ id, resolve }));
  }

  /** Resolves when the batch is delivered or moved to the dead letters. */
  whenSettled(): Promise<void> {
    if (this.#state === 'delivered' || this.#state === 'dead') return Promise.resolve();
    if (!this.#settled) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#settled = { promise, resolve };
    }
    return this.#settled.promise;
  }

  #settle(): void {
    this.#settled?.resolve();
    this.#settled = undefined;
  }

  /** Consecutive sequence numbers (the usual case) extend the last run. */
  #addSequence(sequence: number): void {
    const last = this.#sequenceRuns.length - 1;
    if (last > 0 && this.#sequenceRuns[last] === sequence) this.#sequenceRuns[last] = sequence + 1;
    else this.#sequenceRuns.push(sequence, sequence + 1);
  }

  #report(id: string): DeliveryReport {
    return {
      id,
      destination: this.route.destination.name,
      key: this.#key as string,
      location: this.#location as string,
      deliveredAt: this.#deliveredAt as number,
    };
  }
}
