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
    const lines = new Map<string, { -readonly [K in keyof RouteHealth]: RouteHealth[K] }>();
    const line = (destination: string, route: string) => {
      const id = `${destination}\u0000${route}`;
      let found = lines.get(id);
      if (!found) {
        const { touchedAt: _, ...counters } = this.#counters.get(destination)?.get(route) ?? { ...emptyRouteCounters(), touchedAt: 0 };
        found = { destination, route, ...counters, pendingEvents: 0, pendingBytes: 0, oldestPendingAt: undefined, deadLetters: 0 };
        lines.set(id, found);
      }
      return found;
    };
    for (const [destination, routes] of this.#counters) for (const route of routes.keys()) line(destination, route);
    for (const batch of pending) {
      const found = line(batch.route.destination.name, batch.route.routeId);
      found.pendingEvents += batch.events;
      found.pendingBytes += batch.bytes;
      found.oldestPendingAt = Math.min(found.oldestPendingAt ?? batch.openedAt, batch.openedAt);
    }
    for (const batch of dead) line(batch.route.destination.name, batch.route.routeId).deadLetters += 1;
    return [...lines.values()];
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
