import type { RefusedSend, SendManyResult } from '@sluice/core';

/** One request's events waiting for the coalesced send. */
interface Waiting {
  readonly items: readonly object[];
  readonly bytes: number;
  readonly done: (result: SendManyResult | undefined, error?: unknown) => void;
}

/**
 * Gathers the events of the requests that arrive in one turn of the event loop and sends
 * them with one `sendMany`, in arrival order, at the end of the turn (setImmediate): one
 * spool write for many small requests instead of one each. Each request then gets the part
 * of the result that is its own, as if it had been sent alone right after the ones before
 * it: its ids, its refused items, and where it stopped (index 0 when an earlier request's
 * events already stopped the send: none of it was accepted).
 */
export class SendCoalescer {
  #waiting: Waiting[] = [];
  #bytes = 0;

  /**
   * @param send the sluice's sendMany for the collector's destination; what it throws goes to every request of the turn.
   * @param schedule runs the send at the end of the turn.
   */
  constructor(
    private readonly send: (items: readonly object[]) => SendManyResult,
    private readonly schedule: (run: () => void) => void = (run) => void setImmediate(run),
  ) {}

  /** Body bytes of the requests waiting: they count against the pending-bytes limit already. */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /**
   * Queues a request's items; `done` gets its part of the result, or what the send threw.
   * With `now`, sends them at once, with the requests queued before (for a large request,
   * which gains nothing from waiting and would only make the others wait for its answer).
   */
  add(items: readonly object[], bytes: number, done: Waiting['done'], now = false): void {
    if (this.#waiting.length === 0 && !now) this.schedule(() => this.#flush());
    this.#waiting.push({ items, bytes, done });
    this.#bytes += bytes;
    if (now) this.#flush();
  }

  #flush(): void {
    if (this.#waiting.length === 0) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#bytes = 0;
    let items = waiting[0]?.items ?? [];
    if (waiting.length > 1) {
      const all: object[] = [];
      for (const request of waiting) for (const item of request.items) all.push(item);
      items = all;
    }
    let result: SendManyResult;
    try {
      result = this.send(items);
    } catch (error) {
      for (const request of waiting) request.done(undefined, error);
      return;
    }
    if (waiting.length === 1) {
      (waiting[0] as Waiting).done(result);
      return;
    }
    const stopAt = result.stopped?.index ?? Number.POSITIVE_INFINITY;
    let offset = 0;
    let nextId = 0;
    let r = 0;
    for (const request of waiting) {
      const end = offset + request.items.length;
      const refused: RefusedSend[] = [];
      let refusedAccepting = 0;
      for (; r < result.refused.length && (result.refused[r] as RefusedSend).index < end; r += 1) {
        const { index, error } = result.refused[r] as RefusedSend;
        refused.push({ index: index - offset, error });
        if (index < stopAt) refusedAccepting += 1;
      }
      const accepted = Math.max(0, Math.min(end, stopAt) - offset) - refusedAccepting;
      const ids = result.ids.slice(nextId, nextId + accepted);
      nextId += accepted;
      const stopped = result.stopped && stopAt < end ? { index: Math.max(0, stopAt - offset), error: result.stopped.error } : undefined;
      request.done(stopped ? { ids, refused, stopped } : { ids, refused });
      offset = end;
    }
  }
}
