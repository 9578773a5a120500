import type { Clock, Timer } from '../time/Clock.js';
import type { Batch } from './Batch.js';
import type { UploadConcurrency } from './UploadConcurrency.js';

/**
 * One delivery attempt: resolves when it has ended, true if the batch was stored, false if
 * the attempt failed (it never rejects).
 */
export type Attempt<B = Batch> = (batch: B, signal: AbortSignal) => Promise<boolean>;

/** What the queue needs of a batch: its size, for the upload concurrency. */
type Queued = Pick<Batch, 'bytes'>;

/**
 * Attempts started per turn of the event loop. Starting one (serializing a small batch, the
 * SDK's request building and signing) costs about a millisecond of main thread; dozens of
 * small uploads ending in the same poll phase would otherwise start their successors all in
 * that one turn and hold the loop for tens of milliseconds.
 */
export const STARTS_PER_TURN = 4;

/**
 * Sealed batches waiting for an upload slot, in order, started as `concurrency` allows (see
 * UploadConcurrency: a few at any size, more while they are small); batches waiting out a
 * retry delay, each on its own timer. Owns the abort signal of every attempt in flight, so a
 * shutdown can stop them and wait for them to end.
 */
export class DeliveryQueue<B extends Queued = Batch> {
  readonly #ready: B[] = [];
  readonly #inflight = new Map<B, { controller: AbortController; ended: Promise<void> }>();
  readonly #retries = new Map<B, Timer>();
  #stopped = false;
  /** Attempts started in this turn of the event loop; a setImmediate starts the next turn's. */
  #startedThisTurn = 0;
  #nextTurn: NodeJS.Immediate | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly concurrency: UploadConcurrency,
    private readonly attempt: Attempt<B>,
  ) {}

  enqueue(batch: B): void {
    if (this.#stopped) return;
    this.#ready.push(batch);
    this.#pump();
  }

  /** Enqueues `batch` again after `delayMs` of the clock. */
  retryLater(batch: B, delayMs: number): void {
    if (this.#stopped) return;
    this.#retries.set(
      batch,
      this.clock.setTimer(delayMs, () => {
        this.#retries.delete(batch);
        this.enqueue(batch);
      }),
    );
  }

  /** Batches waiting out a backoff are tried now rather than after their delay (flush, close). */
  retryNow(): void {
    for (const [batch, timer] of [...this.#retries]) {
      timer.cancel();
      this.#retries.delete(batch);
      this.enqueue(batch);
    }
  }

  /** Forgets `batch` wherever it waits (it moved to the dead letters). */
  forget(batch: B): void {
    this.#retries.get(batch)?.cancel();
    this.#retries.delete(batch);
    const index = this.#ready.indexOf(batch);
    if (index !== -1) this.#ready.splice(index, 1);
  }

  /** Starts nothing more, cancels retry timers, aborts attempts in flight and resolves once they have ended. */
  async stop(reason: Error): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#retries.values()) timer.cancel();
    this.#retries.clear();
    this.#ready.length = 0;
    if (this.#nextTurn) clearImmediate(this.#nextTurn);
    this.#nextTurn = undefined;
    const attempts = [...this.#inflight.values()];
    for (const { controller } of attempts) controller.abort(reason);
    await Promise.all(attempts.map(({ ended }) => ended));
  }

  #pump(): void {
    // In order: a big batch at the head waits for a slot rather than be overtaken.
    while (!this.#stopped && this.#ready.length > 0 && this.concurrency.canStart((this.#ready[0] as B).bytes)) {
      if (this.#startedThisTurn >= STARTS_PER_TURN) {
        this.#awaitNextTurn();
        return;
      }
      this.#startedThisTurn += 1;
      this.#awaitNextTurn();
      const batch = this.#ready.shift() as B;
      const bytes = batch.bytes;
      const controller = new AbortController();
      this.concurrency.started(bytes);
      const ended = this.attempt(batch, controller.signal).then((ok) => {
        this.concurrency.ended(bytes, ok);
        this.#inflight.delete(batch);
        this.#pump();
      });
      this.#inflight.set(batch, { controller, ended });
    }
  }

  /** Resets the per-turn count in the next turn of the event loop and starts what may start then. */
  #awaitNextTurn(): void {
    if (this.#nextTurn) return;
    this.#nextTurn = setImmediate(() => {
      this.#nextTurn = undefined;
      this.#startedThisTurn = 0;
      this.#pump();
    });
  }
}
