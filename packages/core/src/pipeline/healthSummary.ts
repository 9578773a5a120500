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
  const summary = new HealthSummary();
  for (const route of report) summary.add(route);
  return summary.result(routes);
}

/** healthSummary() a route at a time, so a caller may spread thousands of routes over turns of the event loop. */
export class HealthSummary {
  #pendingEvents = 0;
  #pendingBytes = 0;
  #deadLetters = 0;
  #oldestPendingAt: number | undefined;
  #pendingRoutes = 0;
  readonly #failing: RouteHealth[] = [];
  readonly #backlog = new Largest(TOP);

  add(route: RouteHealth): void {
    this.#pendingEvents += route.pendingEvents;
    this.#pendingBytes += route.pendingBytes;
    this.#deadLetters += route.deadLetters;
    if (route.oldestPendingAt !== undefined) this.#oldestPendingAt = Math.min(this.#oldestPendingAt ?? route.oldestPendingAt, route.oldestPendingAt);
    if (route.lastError !== undefined || route.deadLetters > 0) this.#failing.push(route);
    if (route.pendingEvents === 0) return;
    this.#pendingRoutes += 1;
    this.#backlog.offer(route);
  }

  /** The line's fields and whether anything is failing; `routes` counts every route, listed or not. */
  result(routes: number): { fields: LogFields; failing: boolean } {
    const failing = this.#failing;
    return {
      failing: failing.length > 0,
      fields: {
        routes,
        pendingRoutes: this.#pendingRoutes,
        pendingEvents: this.#pendingEvents,
        pendingBytes: this.#pendingBytes,
        oldestPendingAt: this.#oldestPendingAt,
        deadLetters: this.#deadLetters,
        failingRoutes: failing.length,
        largestBacklogs: this.#backlog.routes.map(brief),
        failing: failing.reduce((largest, route) => largest.offer(route), new Largest(TOP)).routes.map(brief),
      },
    };
  }
}

function brief(route: RouteHealth): LogFields {
  return {
    destination: route.destination,
    route: route.route,
    pendingEvents: route.pendingEvents,
    pendingBytes: route.pendingBytes,
    oldestPendingAt: route.oldestPendingAt,
    retries: route.retries,
    deadLetters: route.deadLetters,
    lastError: route.lastError,
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
