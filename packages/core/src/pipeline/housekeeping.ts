import type { SluiceOptions } from '../config.js';
import type { Logger } from '../log/Logger.js';
import type { Clock, Timer } from '../time/Clock.js';
import { repeatEvery } from '../time/repeatEvery.js';
import { healthSummary } from './healthSummary.js';
import type { RouteHealth } from './RouteHealth.js';
import type { RouteStats } from './RouteStats.js';

/**
 * The periodic work of a long-running sluice: the health summary line every
 * `healthLogIntervalMs` (a warning while anything fails), and forgetting the counters of routes
 * idle past `forgetIdleRoutesAfterMs`. Returns the timers, for close() to cancel.
 */
export function startHousekeeping(
  clock: Clock,
  logger: Logger,
  options: Pick<SluiceOptions, 'healthLogIntervalMs' | 'forgetIdleRoutesAfterMs'>,
  stats: RouteStats,
  notable: () => { routes: number; lines: RouteHealth[] },
): Timer[] {
  const timers: Timer[] = [];
  if (options.healthLogIntervalMs > 0) {
    timers.push(
      repeatEvery(clock, options.healthLogIntervalMs, () => {
        const { routes, lines } = notable();
        const { fields, failing } = healthSummary(lines, routes);
        logger[failing ? 'warn' : 'info']('sluice health', fields);
      }),
    );
  }
  const idle = options.forgetIdleRoutesAfterMs;
  timers.push(repeatEvery(clock, Math.ceil(idle / 2), () => stats.forgetIdle(clock.now() - idle)));
  return timers;
}
