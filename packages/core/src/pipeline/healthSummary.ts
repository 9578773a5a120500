import type { LogFields } from '../log/Logger.js';
import type { RouteHealth } from './RouteHealth.js';

/** Routes named in a health summary, per list. */
const TOP = 10;

/**
 * The periodic health log line: totals over every route, the routes with the largest
 * backlog and those failing, `TOP` of each at most, so the line stays one line whatever the
 * number of routes. `failing` says whether anything is failing (logged as a warning then).
 */
export function healthSummary(report: readonly RouteHealth[]): { fields: LogFields; failing: boolean } {
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
  const failing = report.filter((route) => route.lastError !== undefined || route.deadLetters > 0);
  const backlog = report.filter((route) => route.pendingEvents > 0).sort((a, b) => b.pendingBytes - a.pendingBytes);
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
      routes: report.length,
      pendingRoutes: backlog.length,
      pendingEvents,
      pendingBytes,
      oldestPendingAt,
      deadLetters,
      failingRoutes: failing.length,
      largestBacklogs: backlog.slice(0, TOP).map(brief),
      failing: failing.sort((a, b) => b.pendingBytes - a.pendingBytes).slice(0, TOP).map(brief),
    },
  };
}
