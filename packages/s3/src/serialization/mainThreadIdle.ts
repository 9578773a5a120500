import { performance, type EventLoopUtilityFunction } from 'node:perf_hooks';

/** How far back the main thread's use is judged: long enough to span a few event-loop turns. */
const WINDOW_MS = 50;
/** Below this share of its time busy, the main thread leaves its core to compression. */
const IDLE_UTILIZATION = 0.5;

/**
 * Whether the main thread was mostly idle lately, from Node's event-loop utilization (the
 * share of time the loop spent running callbacks rather than waiting for I/O), over the
 * last WINDOW_MS or more. Cheap enough to ask at every compression start.
 */
export function mainThreadIdle(utilization: EventLoopUtilityFunction = performance.eventLoopUtilization.bind(performance)): () => boolean {
  let since = utilization();
  return () => {
    const now = utilization();
    const lately = utilization(now, since);
    if (lately.idle + lately.active < WINDOW_MS) return false;
    since = now;
    return lately.utilization < IDLE_UTILIZATION;
  };
}
