import type { Clock, Timer } from '../time/Clock.js';
import type { Batch } from './Batch.js';

/** One delivery attempt: resolves when it has ended, whatever its outcome (it never rejects). */
export type Attempt = (batch: Batch, signal: AbortSignal) => Promise<void>;

/**
 * Sealed batches waiting for an upload slot, in order, with at most `concurrency` attempts
 * at once; batches waiting out a retry delay, each on its own timer. Owns the abort signal of
 * every attempt in flight, so a shutdown can stop them and wait for them to end.
 */
export class DeliveryQueue {
  readonly #ready: Batch[] = [];
  readonly #inflight = new Map<Batch, { controller: AbortController; ended: Promise<void> }>();
  readonly #retries = new Map<Batch, Timer>();
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly concurrency: number,
    private readonly attempt: Attempt,
  ) {}

  enqueue(batch: Batch): void {
    if (this.#stopped) return;
    this.#ready.push(batch);
    this.#pump();
  }

  /** Enqueues `batch` again after `delayMs` of the clock. */
  retryLater(batch: Batch, delayMs: number): void {
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
  forget(batch: Batch): void {
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
    const attempts = [...this.#inflight.values()];
    for (const { controller } of attempts) controller.abort(reason);
    await Promise.all(attempts.map(({ ended }) => ended));
  }

  #pump(): void {
    while (!this.#stopped && this.#inflight.size < this.concurrency && this.#ready.length > 0) {
      const batch = this.#ready.shift() as Batch;
      const controller = new AbortController();
      const ended = this.attempt(batch, controller.signal).finally(() => {
        this.#inflight.delete(batch);
        this.#pump();
      });
      this.#inflight.set(batch, { controller, ended });
    }
  }
}
