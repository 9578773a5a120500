import type { LogFields } from '../log/Logger.js';
import type { RouteHealth } from './RouteHealth.js';

/** Routes named in a health summary, per list. */
const TOP = 10;

/**
 * The periodic health log line: totals over every route, the routes with the largest
 * backlog and those failing, `TOP` of each at most, so the line stays one line whatever the
 * number of routes. `failing` says whether anything is failing (logged as a warning then).
 * `report` may leave out routes with nothing pending, no dead letter and no error, if
 * `routes` counts them (see RouteStats.notable).
 */
export function healthSummary(report: readonly RouteHealth[], routes = report.length): { fields: LogFields; failing: boolean } {
  let pendingEvents = 0;
  let pendingBytes = 0;
  let deadLetters = 0;
  let oldestPendingAt: number | undefined;
  for (const route of report) {
    pendingEvents += route.pendingEvents;
    pendingBytes += route.pendingBytes;
    deadLetters += route.deadLetters;
    if (route.oldestPendingAt !== undefined) oldestPendingAt = Math.min(oldestPendingAt ?? route.oldestPendingAt, route.oldestPendingAt);
  }
  const failing: RouteHealth[] = [];
  const backlog = new Largest(TOP);
  let pendingRoutes = 0;
  for (const route of report) {
    if (route.lastError !== undefined || route.deadLetters > 0) failing.push(route);
    if (route.pendingEvents === 0) continue;
    pendingRoutes += 1;
    backlog.offer(route);
  }
  const brief = (route: RouteHealth) => ({
    destination: route.destination,
    route: route.route,
    pendingEvents: route.pendingEvents,
    pendingBytes: route.pendingBytes,
    oldestPendingAt: route.oldestPendingAt,
    retries: route.retries,
    deadLetters: route.deadLetters,
    lastError: route.lastError,
  });
  return {
    failing: failing.length > 0,
    fields: {
      routes,
      pendingRoutes,
      pendingEvents,
      pendingBytes,
      oldestPendingAt,
      deadLetters,
      failingRoutes: failing.length,
      largestBacklogs: backlog.routes.map(brief),
      failing: failing.reduce((largest, route) => largest.offer(route), new Largest(TOP)).routes.map(brief),
    },
  };
}

/**
 * The `size` routes of most pending bytes, in the order a stable sort by pending bytes
 * (largest first) would give them, without sorting every route: a health line over 10,000
 * pending routes sorted them all once a minute on the event loop.
 */
class Largest {
  readonly routes: RouteHealth[] = [];

  constructor(private readonly size: number) {}

  offer(route: RouteHealth): this {
    const { routes } = this;
    if (routes.length === this.size && (routes.at(-1) as RouteHealth).pendingBytes >= route.pendingBytes) return this;
    // After every route of as many bytes or more: ties keep the order they came in.
    let at = routes.length;
    while (at > 0 && (routes[at - 1] as RouteHealth).pendingBytes < route.pendingBytes) at -= 1;
    routes.splice(at, 0, route);
    if (routes.length > this.size) routes.pop();
    return this;
  }
}
