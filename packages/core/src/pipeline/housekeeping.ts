import type { SluiceOptions } from '../config.js';
import type { Logger } from '../log/Logger.js';
import type { Clock, Timer } from '../time/Clock.js';
import { repeatEvery } from '../time/repeatEvery.js';
import type { Batch } from './Batch.js';
import { HealthSummary } from './healthSummary.js';
import type { RouteHealth } from './RouteHealth.js';
import type { RouteStats } from './RouteStats.js';

/**
 * Pending batches, or routes' lines, the health line handles per turn of the event loop. A
 * batch costs a few microseconds (its route's line, found or made): 10,000 pending routes at
 * a minute's end took 10–70 ms of one turn (loaded machine), a slice of 250 one or two.
 */
export const HEALTH_SLICE = 250;

/** What the health line is made of, taken when it is due. */
export interface HealthSnapshot {
  /** Pending batches: open, sealed, uploading, waiting out a retry. */
  readonly pending: readonly Batch[];
  readonly dead: readonly Batch[];
  /** Lines of routes another part keeps (fleet mode's intake), added as they are. */
  readonly intake?: readonly RouteHealth[];
}

/**
 * The periodic work of a long-running sluice: the health summary line every
 * `healthLogIntervalMs` (a warning while anything fails), and forgetting the counters of routes
 * idle past `forgetIdleRoutesAfterMs`. Returns the timers, for close() to cancel; cancelling
 * also drops a health line still being tallied.
 *
 * The line's pending batches, then its routes' lines, are handled {@link HEALTH_SLICE} per turn
 * of the event loop, the first slice at once: a line of up to that many is logged in the
 * timer's own turn. A batch delivered while later slices wait is still counted as pending in
 * that line.
 */
export function startHousekeeping(
  clock: Clock,
  logger: Logger,
  options: Pick<SluiceOptions, 'healthLogIntervalMs' | 'forgetIdleRoutesAfterMs'>,
  stats: RouteStats,
  snapshot: () => HealthSnapshot,
): Timer[] {
  const timers: Timer[] = [];
  if (options.healthLogIntervalMs > 0) {
    let tallying: NodeJS.Immediate | undefined;
    const repeat = repeatEvery(clock, options.healthLogIntervalMs, () => {
      // A line still being tallied (a slow turn of thousands of routes) is finished, not restarted.
      if (tallying) return;
      const { pending, dead, intake } = snapshot();
      const tally = stats.notableTally();
      const summary = new HealthSummary();
      let lines: readonly RouteHealth[] | undefined;
      let routes = 0;
      let index = 0;
      // Pending batches are tallied into their routes' lines, then the lines summed up: at
      // most HEALTH_SLICE items of either per turn.
      const step = (): void => {
        tallying = undefined;
        let budget = HEALTH_SLICE;
        if (!lines) {
          const end = Math.min(pending.length, index + budget);
          budget -= end - index;
          while (index < end) tally.addPending(pending[index++] as Batch);
          if (index < pending.length) {
            tallying = setImmediate(step);
            return;
          }
          for (const batch of dead) tally.addDead(batch);
          const own = tally.result();
          lines = intake ? [...own.lines, ...intake] : own.lines;
          routes = own.routes + (intake?.length ?? 0);
          index = 0;
        }
        const end = Math.min(lines.length, index + budget);
        while (index < end) summary.add(lines[index++] as RouteHealth);
        if (index < lines.length) {
          tallying = setImmediate(step);
          return;
        }
        const { fields, failing } = summary.result(routes);
        logger[failing ? 'warn' : 'info']('sluice health', fields);
      };
      step();
    });
    timers.push({
      cancel: () => {
        repeat.cancel();
        if (tallying) clearImmediate(tallying);
        tallying = undefined;
      },
    });
  }
  const idle = options.forgetIdleRoutesAfterMs;
  timers.push(repeatEvery(clock, Math.ceil(idle / 2), () => stats.forgetIdle(clock.now() - idle)));
  return timers;
}
