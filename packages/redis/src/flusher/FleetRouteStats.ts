import type { RouteHealth } from '@sluice/core';

/** A route's figures that no live chunk or batch holds: what was delivered or failed. */
interface Counters {
  deliveredEvents: number;
  deliveredObjects: number;
  lastDeliveryAt: number | undefined;
  lastError: { readonly at: number; readonly code: string; readonly message: string } | undefined;
  retries: number;
  lateEvents: number;
  lateObjects: number;
  /** Batches of the route this process moved to the dead letters. */
  deadLetters: number;
  touchedAt: number;
}

/** Records a producer holds that Redis does not have yet, by route. */
export interface PendingChunk {
  readonly destination: string;
  readonly routeId: string;
  readonly events: number;
  readonly bytes: number;
  readonly firstTime: number;
}


/**
 * This process's fleet figures per route for `sluice.health()`: what its shard owners
 * delivered (late objects counted apart) or failed to, and what its producer has not yet
 * appended to Redis.
 */
export class FleetRouteStats {
  /** By destination, then route id. */
  readonly #routes = new Map<string, Map<string, Counters>>();

  /** @param forgetAfterMs a route untouched this long leaves the report (forgetIdleRoutesAfterMs), so ever new prefixes keep memory flat. */
  constructor(private readonly forgetAfterMs: number) {}

  delivered(destination: string, routeId: string, events: number, late: boolean, at: number): void {
    const entry = this.#entry(destination, routeId, at);
    entry.deliveredEvents += events;
    entry.deliveredObjects += 1;
    if (late) {
      entry.lateEvents += events;
      entry.lateObjects += 1;
    }
    entry.lastDeliveryAt = at;
    entry.lastError = undefined;
  }

  /** A failed attempt, with the destination's error code (NoSuchBucket, AccessDenied). */
  failed(destination: string, routeId: string, code: string, message: string, at: number): void {
    const entry = this.#entry(destination, routeId, at);
    entry.retries += 1;
    entry.lastError = { at, code, message };
  }

  /** A batch of the route moved to the dead letters: the route shows as failing until it has none listed here. */
  dead(destination: string, routeId: string, at: number): void {
    this.#entry(destination, routeId, at).deadLetters += 1;
  }

  /** One line per route delivered to or failed for within the last hour, or pending here. */
  report(pending: Iterable<PendingChunk>, now: number): RouteHealth[] {
    const lines = new Map<string, { -readonly [K in keyof RouteHealth]: RouteHealth[K] }>();
    const line = (destination: string, route: string, counters?: Counters) => {
      const id = `${destination}\u0000${route}`;
      let found = lines.get(id);
      if (!found) {
        const { touchedAt: _, ...figures } = counters ?? this.#routes.get(destination)?.get(route) ?? emptyCounters(0);
        found = { destination, route, ...figures, pendingEvents: 0, pendingBytes: 0, oldestPendingAt: undefined };
        lines.set(id, found);
      }
      return found;
    };
    for (const [destination, routes] of this.#routes) {
      for (const [route, counters] of routes) {
        if (counters.touchedAt < now - this.forgetAfterMs) routes.delete(route);
        else line(destination, route, counters);
      }
      if (routes.size === 0) this.#routes.delete(destination);
    }
    for (const chunk of pending) {
      const found = line(chunk.destination, chunk.routeId);
      found.pendingEvents += chunk.events;
      found.pendingBytes += chunk.bytes;
      found.oldestPendingAt = Math.min(found.oldestPendingAt ?? chunk.firstTime, chunk.firstTime);
    }
    return [...lines.values()];
  }

  #entry(destination: string, routeId: string, at: number): Counters {
    let routes = this.#routes.get(destination);
    if (!routes) this.#routes.set(destination, (routes = new Map<string, Counters>()));
    let entry = routes.get(routeId);
    if (!entry) routes.set(routeId, (entry = emptyCounters(at)));
    entry.touchedAt = at;
    return entry;
  }
}

function emptyCounters(at: number): Counters {
  return { deliveredEvents: 0, deliveredObjects: 0, lastDeliveryAt: undefined, lastError: undefined, retries: 0, lateEvents: 0, lateObjects: 0, deadLetters: 0, touchedAt: at };
}
