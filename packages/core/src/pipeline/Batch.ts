import type { BatchWindow } from '../batch/Batcher.js';
import type { BatchIdentity, BatchInfo } from '../batch/BatchInfo.js';
import type { DeliveryReport } from '../send/Receipt.js';
import type { SpoolBatch } from '../spool/Spool.js';
import type { Timer } from '../time/Clock.js';
import type { DestinationState } from './DestinationState.js';

type Waiter = { readonly id: string; readonly resolve: (report: DeliveryReport) => void };

/**
 * One batch through its life: open (accepting events), sealed (immutable, being delivered),
 * delivered. Records live in the spool; the batch keeps counts and ids.
 */
export class Batch {
  state: 'open' | 'sealed' | 'delivered' | 'dead' = 'open';
  events = 0;
  bytes = 0;
  /** Ids senders gave. */
  readonly givenIds: string[] = [];
  /** Sequence numbers of the ids the sluice made, as flat [start, end) runs. */
  readonly sequenceRuns: number[] = [];
  /** Window-end timer while open; retry timer while sealed and waiting. */
  timer: Timer | undefined;
  /** Failed attempts since the last success: drives the backoff. */
  failures = 0;
  /** Recovered from a durable spool: an earlier process may have started uploading it. */
  recovered = false;
  /** When the current run of failures began: drives the move to the dead letters. */
  firstFailureAt: number | undefined;
  key: string | undefined;
  location: string | undefined;
  deliveredAt: number | undefined;
  #waiters: Waiter[] | undefined;
  #settled: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    readonly destination: DestinationState,
    readonly routeId: string,
    readonly target: unknown,
    readonly identity: BatchIdentity,
    readonly identifier: string,
    readonly window: BatchWindow,
    readonly openedAt: number,
    readonly records: SpoolBatch,
  ) {}

  /** Consecutive sequence numbers (the usual case) extend the last run. */
  addSequence(sequence: number): void {
    const last = this.sequenceRuns.length - 1;
    if (last > 0 && this.sequenceRuns[last] === sequence) this.sequenceRuns[last] = sequence + 1;
    else this.sequenceRuns.push(sequence, sequence + 1);
  }

  info(): BatchInfo {
    return {
      identity: this.identity,
      identifier: this.identifier,
      openedAt: this.openedAt,
      window: this.window,
      target: this.target,
      events: this.events,
      bytes: this.bytes,
    };
  }

  /** The delivery report of event `id`, once the batch is stored. */
  whenDelivered(id: string): Promise<DeliveryReport> {
    if (this.state === 'delivered') return Promise.resolve(this.#report(id));
    return new Promise((resolve) => (this.#waiters ??= []).push({ id, resolve }));
  }

  /** Resolves when the batch is delivered or moved to the dead letters. */
  whenSettled(): Promise<void> {
    if (this.state === 'delivered' || this.state === 'dead') return Promise.resolve();
    if (!this.#settled) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#settled = { promise, resolve };
    }
    return this.#settled.promise;
  }

  /** Moved to the dead letters: flush() stops waiting for it; receipts stay pending. */
  markDead(): void {
    this.state = 'dead';
    this.#settled?.resolve();
    this.#settled = undefined;
  }

  /** Back from the dead letters for another round of attempts. */
  revive(): void {
    this.state = 'sealed';
    this.failures = 0;
    this.firstFailureAt = undefined;
  }

  markDelivered(location: string, at: number): void {
    this.state = 'delivered';
    this.location = location;
    this.deliveredAt = at;
    for (const waiter of this.#waiters ?? []) waiter.resolve(this.#report(waiter.id));
    this.#waiters = undefined;
    this.#settled?.resolve();
  }

  #report(id: string): DeliveryReport {
    return {
      id,
      destination: this.destination.destination.name,
      key: this.key as string,
      location: this.location as string,
      deliveredAt: this.deliveredAt as number,
    };
  }
}
