import type { Batch } from './Batch.js';
import type { DestinationState } from './DestinationState.js';
import { emptyRouteCounters, type RouteHealth } from './RouteHealth.js';

/**
 * One line per route that has delivered, is pending or holds dead letters: the route's
 * counters plus what is computed from live batches (pending events and bytes, the oldest
 * pending event) and the dead letters.
 */
export function healthReport(destinations: readonly DestinationState[], pending: Iterable<Batch>, dead: readonly Batch[]): RouteHealth[] {
  const live = new Map<DestinationState, Map<string, { events: number; bytes: number; oldest: number }>>();
  for (const batch of pending) {
    let routes = live.get(batch.destination);
    if (!routes) live.set(batch.destination, (routes = new Map()));
    const entry = routes.get(batch.routeId) ?? { events: 0, bytes: 0, oldest: batch.openedAt };
    entry.events += batch.events;
    entry.bytes += batch.bytes;
    entry.oldest = Math.min(entry.oldest, batch.openedAt);
    routes.set(batch.routeId, entry);
  }
  const report: RouteHealth[] = [];
  for (const state of destinations) {
    const buried = dead.filter((batch) => batch.destination === state).map((batch) => batch.routeId);
    const routes = new Set([...state.counters.keys(), ...(live.get(state)?.keys() ?? []), ...buried]);
    for (const route of routes) {
      const now = live.get(state)?.get(route);
      report.push({
        destination: state.destination.name,
        route,
        ...(state.counters.get(route) ?? emptyRouteCounters()),
        pendingEvents: now?.events ?? 0,
        pendingBytes: now?.bytes ?? 0,
        oldestPendingAt: now?.oldest,
        deadLetters: buried.filter((id) => id === route).length,
      });
    }
  }
  return report;
}
