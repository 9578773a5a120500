import type { Batch } from './Batch.js';
import { emptyRouteCounters, type RouteCounters, type RouteHealth } from './RouteHealth.js';

type Entry = RouteCounters & { touchedAt: number };

/**
 * Delivery counters per destination route. A route nothing was delivered to or failed for in
 * `forgetIdle`'s window is forgotten, so a service that writes to ever new prefixes keeps
 * flat memory; pending figures are computed from live batches, which are never forgotten.
 */
export class RouteStats {
  /** By destination name, then route id. */
  readonly #counters = new Map<string, Map<string, Entry>>();

  delivered(batch: Batch, at: number): void {
    const entry = this.#entry(batch, at);
    entry.deliveredEvents += batch.events;
    entry.deliveredObjects += 1;
    entry.lastDeliveryAt = at;
    entry.lastError = undefined;
  }

  failed(batch: Batch, at: number, code: string, message: string): void {
    const entry = this.#entry(batch, at);
    entry.retries += 1;
    entry.lastError = { at, code, message };
  }

  /** Forgets routes untouched since `before`; returns how many. */
  forgetIdle(before: number): number {
    let forgotten = 0;
    for (const [name, routes] of this.#counters) {
      for (const [route, entry] of routes) {
        if (entry.touchedAt >= before) continue;
        routes.delete(route);
        forgotten += 1;
      }
      if (routes.size === 0) this.#counters.delete(name);
    }
    return forgotten;
  }

  /**
   * One line per route that has delivered or failed lately, is pending, or holds dead
   * letters: its counters plus what is computed from live batches.
   */
  report(pending: Iterable<Batch>, dead: readonly Batch[]): RouteHealth[] {
    const lines = new Map<string, Line>();
    const line = (destination: string, route: string) => {
      const id = `${destination}\u0000${route}`;
      let found = lines.get(id);
      if (!found) {
        found = newLine(destination, route, this.#counters.get(destination)?.get(route) ?? emptyRouteCounters());
        lines.set(id, found);
      }
      return found;
    };
    for (const [destination, routes] of this.#counters) for (const route of routes.keys()) line(destination, route);
    addLiveBatches(pending, dead, line);
    return [...lines.values()];
  }

  /**
   * What the periodic health line needs, without a line for every route: the number of routes
   * report() would list, and the lines of those that are pending, hold dead letters or are
   * failing (every other line has nothing pending, no dead letter and no error, so it adds
   * nothing to the totals and is in no list). With thousands of routes this is a fraction of
   * report()'s work, done once a minute on the event loop.
   */
  notable(pending: Iterable<Batch>, dead: readonly Batch[]): { routes: number; lines: RouteHealth[] } {
    const tally = this.notableTally();
    for (const batch of pending) tally.addPending(batch);
    for (const batch of dead) tally.addDead(batch);
    return tally.result();
  }

  /**
   * notable(), a batch at a time: the caller may add pending batches over several turns of
   * the event loop (see startHousekeeping), so 10,000 pending routes never hold one turn.
   */
  notableTally(): NotableTally {
    return new NotableTally(this.#counters);
  }

  #entry(batch: Batch, at: number): Entry {
    const name = batch.route.destination.name;
    let routes = this.#counters.get(name);
    if (!routes) this.#counters.set(name, (routes = new Map<string, Entry>()));
    let entry = routes.get(batch.route.routeId);
    if (!entry) routes.set(batch.route.routeId, (entry = { ...emptyRouteCounters(), touchedAt: at }));
    entry.touchedAt = at;
    return entry;
  }
}

/** A route's line with its counters and nothing pending yet; built field by field, a spread of the entry cost more than the rest of a report. */
type Line = { -readonly [K in keyof RouteHealth]: RouteHealth[K] };

/** Adds what live batches hold to their routes' lines: pending events and bytes, dead letters. */
function addLiveBatches(pending: Iterable<Batch>, dead: readonly Batch[], line: (destination: string, route: string) => Line): void {
  for (const batch of pending) addPending(line(batch.route.destination.name, batch.route.routeId), batch);
  for (const batch of dead) line(batch.route.destination.name, batch.route.routeId).deadLetters += 1;
}

function addPending(found: Line, batch: Batch): void {
  found.pendingEvents += batch.events;
  found.pendingBytes += batch.bytes;
  found.oldestPendingAt = Math.min(found.oldestPendingAt ?? batch.openedAt, batch.openedAt);
}

/**
 * The notable lines of RouteStats.notable(), gathered a batch at a time. Created with the
 * routes counted and the failing ones' lines; each pending or dead batch adds to its route's
 * line (made when the route has none yet, counted as a route when it has no counters).
 */
export class NotableTally {
  readonly #lines = new Map<string, Map<string, Line>>();
  /** The lines in the order they were made, which is the order they are listed in. */
  readonly #made: Line[] = [];
  #routes = 0;

  constructor(private readonly counters: ReadonlyMap<string, ReadonlyMap<string, Entry>>) {
    for (const counted of counters.values()) this.#routes += counted.size;
    for (const [destination, counted] of counters) for (const [route, entry] of counted) if (entry.lastError) this.#line(destination, route);
  }

  addPending(batch: Batch): void {
    addPending(this.#line(batch.route.destination.name, batch.route.routeId), batch);
  }

  addDead(batch: Batch): void {
    this.#line(batch.route.destination.name, batch.route.routeId).deadLetters += 1;
  }

  result(): { routes: number; lines: RouteHealth[] } {
    return { routes: this.#routes, lines: this.#made };
  }

  #line(destination: string, route: string): Line {
    let byRoute = this.#lines.get(destination);
    if (!byRoute) this.#lines.set(destination, (byRoute = new Map<string, Line>()));
    let found = byRoute.get(route);
    if (!found) {
      const entry = this.counters.get(destination)?.get(route);
      if (!entry) this.#routes += 1;
      found = newLine(destination, route, entry ?? emptyRouteCounters());
      byRoute.set(route, found);
      this.#made.push(found);
    }
    return found;
  }
}

function newLine(destination: string, route: string, counters: RouteCounters): Line {
  return {
    destination,
    route,
    deliveredEvents: counters.deliveredEvents,
    deliveredObjects: counters.deliveredObjects,
    lastDeliveryAt: counters.lastDeliveryAt,
    lastError: counters.lastError,
    retries: counters.retries,
    pendingEvents: 0,
    pendingBytes: 0,
    oldestPendingAt: undefined,
    deadLetters: 0,
  };
}
