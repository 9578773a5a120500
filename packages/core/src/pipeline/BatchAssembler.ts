import type { BatchWindow } from '../batch/Batcher.js';
import { batchIdentifier } from '../batch/batchIdentifier.js';
import type { Route } from '../destination/Destination.js';
import { SluiceError } from '../errors/SluiceError.js';
import { SpoolError } from '../errors/SpoolError.js';
import type { Logger } from '../log/Logger.js';
import type { Spool } from '../spool/Spool.js';
import type { Clock, Timer } from '../time/Clock.js';
import { Batch } from './Batch.js';
import type { RegisteredDestination } from './DestinationRegistry.js';
import { inSlices, SLICE_ITEMS, type Sliced } from './inSlices.js';

/** The open batches due to be sealed at one time, and what each does once sealed by it. */
interface Boundary {
  readonly timer: Timer;
  readonly batches: Map<Batch, () => void>;
}

export interface BatchAssemblerParts {
  readonly clock: Clock;
  readonly spool: Spool;
  readonly logger: Logger;
  readonly producerId: string;
  /** Random per start of the sluice: see BatchIdentity.incarnation. */
  readonly incarnation: string;
  /** Takes a sealed batch that holds events into delivery. */
  readonly onSealed: (batch: Batch) => void;
}

/**
 * Keeps the open batch of every route: opens one when a route's window starts (or a cap
 * splits it), seals it when its window ends, its batcher says it is full, or the sluice
 * drains. Owns the window timers and the per-window sequence numbers of batch identities.
 *
 * One timer per window boundary, not per batch: at a minute's end with thousands of open
 * routes their seals run in slices of {@link SLICE_ITEMS}, in the order the batches were
 * opened, with a turn of the event loop between slices, so the loop is never held for all of
 * them at once. A send to a route whose batch waits in a later slice seals it itself (its
 * window is over), so no event goes into a window that has ended.
 */
export class BatchAssembler {
  readonly #parts: BatchAssemblerParts;
  /** Per destination name, the open batch of each route. */
  readonly #open = new Map<string, Map<string, Batch>>();
  /** Open batches by the time they are due to be sealed. */
  readonly #boundaries = new Map<number, Boundary>();
  /** The boundary of each open batch that has one. */
  readonly #dueAt = new Map<Batch, number>();
  /** Seals in progress in slices (window ends, drains), cancelled by stop(). */
  readonly #sealing = new Set<Sliced>();
  /** Per destination and route: the window of the last batch opened and the next sequence number in it. */
  readonly #sequences = new Map<string, { windowStart: number; next: number }>();
  /** The last sequence number given to a late batch: they count down from -1. */
  #lateSequence = 0;

  constructor(parts: BatchAssemblerParts) {
    this.#parts = parts;
  }

  /**
   * The batch an event of `bytes` sent now to `route` goes to, opened if needed. With an
   * event-time extractor the event's own time picks the window; one in a window that has
   * already ended goes to a late batch of that window (see EventTime).
   */
  batchFor(entry: RegisteredDestination, route: Route, bytes: number, payload: unknown): Batch {
    const now = this.#parts.clock.now();
    const time = entry.eventTime ? Math.min(entry.eventTime.timeOf(payload, now), now) : now;
    const routes = this.#routesOf(entry.destination.name);
    const current = routes.get(route.id);
    if (current && now >= current.window.end) this.seal(current);
    else if (current && time >= current.window.start) return this.#fitting(current, entry, route, bytes, time, routes, route.id);
    const window = entry.batcher.windowOf(time);
    if (window.end > now) {
      const batch = this.#openBatch(entry, route, time, window, false);
      routes.set(route.id, batch);
      return batch;
    }
    const lateKey = slotOf(route.id, window.start);
    const late = routes.get(lateKey);
    if (late) return this.#fitting(late, entry, route, bytes, time, routes, lateKey);
    const batch = this.#openBatch(entry, route, time, window, true);
    routes.set(lateKey, batch);
    return batch;
  }

  /** `batch`, or the next batch of its window if the batcher says `bytes` more would overflow it. */
  #fitting(batch: Batch, entry: RegisteredDestination, route: Route, bytes: number, time: number, routes: Map<string, Batch>, slot: string): Batch {
    if (batch.events === 0 || !entry.batcher.wouldOverflow(batch, bytes)) return batch;
    this.seal(batch);
    const next = this.#openBatch(entry, route, time, batch.window, batch.identity.sequence < 0);
    routes.set(slot, next);
    return next;
  }

  /** Open → sealed, handed to delivery; a batch that holds no event is dropped instead. */
  seal(batch: Batch): void {
    if (!batch.seal()) return;
    this.#unschedule(batch);
    const routes = this.#open.get(batch.route.destination.name);
    const slot = slotOf(batch.route.routeId, batch.identity.sequence < 0 ? batch.window.start : undefined);
    if (routes?.get(slot) === batch) routes.delete(slot);
    if (batch.events > 0) {
      this.#parts.onSealed(batch);
      return;
    }
    // Only a failed first append leaves a batch empty: there is nothing to upload.
    try {
      batch.records.discard();
    } catch (error) {
      this.#parts.logger.warn('could not remove an empty spooled batch', { identifier: batch.identifier, error: String(error) });
    }
  }

  sealAll(): void {
    for (const batch of this.open()) this.seal(batch);
  }

  /**
   * Seals every batch open now, as sealAll() does, in slices with a turn of the event loop
   * between them (the first at once); resolves once all are sealed or stop() is called.
   */
  sealAllInSlices(): Promise<void> {
    return this.#inSlices([...this.open()], (batch) => this.seal(batch));
  }

  open(): Iterable<Batch> {
    return [...this.#open.values()].flatMap((routes) => [...routes.values()]);
  }

  /** Stops the window timers (close): open batches stay open. */
  stop(): void {
    for (const { timer } of this.#boundaries.values()) timer.cancel();
    this.#boundaries.clear();
    this.#dueAt.clear();
    for (const sliced of [...this.#sealing]) sliced.cancel();
  }

  #inSlices<T>(items: readonly T[], each: (item: T) => void): Promise<void> {
    const sliced = inSlices(items, SLICE_ITEMS, each);
    this.#sealing.add(sliced);
    return sliced.done.then(() => void this.#sealing.delete(sliced));
  }

  /** Seals `batch` at `at` (clock time), with the other batches due then; `onWindowEnd` runs after that seal. */
  #schedule(batch: Batch, at: number, now: number, onWindowEnd: () => void): void {
    let boundary = this.#boundaries.get(at);
    if (!boundary) {
      boundary = { timer: this.#parts.clock.setTimer(at - now, () => this.#sealBoundary(at)), batches: new Map() };
      this.#boundaries.set(at, boundary);
    }
    boundary.batches.set(batch, onWindowEnd);
    this.#dueAt.set(batch, at);
  }

  /** `batch` no longer waits for its boundary; a boundary left empty loses its timer. */
  #unschedule(batch: Batch): void {
    const at = this.#dueAt.get(batch);
    if (at === undefined) return;
    this.#dueAt.delete(batch);
    const boundary = this.#boundaries.get(at);
    if (!boundary) return;
    boundary.batches.delete(batch);
    if (boundary.batches.size > 0) return;
    boundary.timer.cancel();
    this.#boundaries.delete(at);
  }

  /** The boundary's time has come: seals its batches still open, in slices. */
  #sealBoundary(at: number): void {
    const boundary = this.#boundaries.get(at);
    if (!boundary) return;
    this.#boundaries.delete(at);
    const due = [...boundary.batches];
    for (const [batch] of due) this.#dueAt.delete(batch);
    void this.#inSlices(due, ([batch, onWindowEnd]) => {
      // Sealed in the meantime (a send after the window's end, a flush): as when a batch's
      // own timer was cancelled, there is nothing more to do.
      if (batch.state !== 'open') return;
      this.seal(batch);
      onWindowEnd();
    });
  }

  #routesOf(name: string): Map<string, Batch> {
    let routes = this.#open.get(name);
    if (!routes) this.#open.set(name, (routes = new Map<string, Batch>()));
    return routes;
  }

  /**
   * Opens a batch of `window` whose first event has time `time`. A batch of the current window
   * takes the window's next sequence number and is sealed at its end; a late one takes the
   * next negative number (unique in this process: the window's own counter may be gone) and
   * is sealed when the current window ends.
   */
  #openBatch(entry: RegisteredDestination, route: Route, time: number, window: BatchWindow, late: boolean): Batch {
    const { destination, batcher } = entry;
    const now = this.#parts.clock.now();
    const sequenceKey = `${destination.name}\u0000${route.id}`;
    const last = this.#sequences.get(sequenceKey);
    const sequence = late ? this.#lateSequence - 1 : last && last.windowStart === window.start ? last.next : 0;
    const identity = {
      routeId: route.id,
      windowStart: window.start,
      sequence,
      producerId: this.#parts.producerId,
      incarnation: this.#parts.incarnation,
    };
    const identifier = batchIdentifier(identity);
    const meta = { destination: destination.name, routeId: route.id, target: route.target, identity, identifier, window, openedAt: time };
    let records;
    try {
      records = this.#parts.spool.open(meta);
    } catch (error) {
      throw asSpoolError(error, 'could not start a batch');
    }
    if (late) this.#lateSequence = sequence;
    else this.#sequences.set(sequenceKey, { windowStart: window.start, next: sequence + 1 });
    const batch = new Batch({ destination, routeId: route.id, target: route.target }, identity, identifier, window, time, records);
    const sealAt = late ? batcher.windowOf(now).end : window.end;
    this.#schedule(batch, sealAt, now, () => {
      // The window is over: its sequence counter is no longer needed, and keeping it would
      // grow memory with every route ever seen.
      if (!late && this.#sequences.get(sequenceKey)?.windowStart === window.start) this.#sequences.delete(sequenceKey);
    });
    return batch;
  }
}

/** Where an open batch is kept: under its route, or, for a late batch, its route and window. */
function slotOf(routeId: string, lateWindowStart: number | undefined): string {
  return lateWindowStart === undefined ? routeId : `${routeId}\u0000${lateWindowStart}`;
}

/** A spool that throws something other than a SluiceError still gets a code and advice. */
export function asSpoolError(error: unknown, doing: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new SpoolError(
    code === 'ENOSPC' || code === 'EDQUOT' ? 'SLUICE_SPOOL_FULL' : 'SLUICE_SPOOL_WRITE_FAILED',
    `The spool ${doing} (${error instanceof Error ? error.message : String(error)}); the event was not accepted. Fix the spool's storage and send it again.`,
    undefined,
    { cause: error },
  );
}
