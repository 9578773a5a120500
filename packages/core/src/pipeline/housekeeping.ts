import type { SluiceOptions } from '../config.js';
import type { Logger } from '../log/Logger.js';
import type { Clock, Timer } from '../time/Clock.js';
import { repeatEvery } from '../time/repeatEvery.js';
import type { Batch } from './Batch.js';
import { healthSummary } from './healthSummary.js';
import type { RouteHealth } from './RouteHealth.js';
import type { RouteStats } from './RouteStats.js';

/**
 * Pending batches the health line tallies per turn of the event loop. A tally costs a few
 * microseconds a batch (its route's line, found or made): 10,000 pending routes at a minute's
 * end took 10–70 ms of one turn, a slice of 1,000 takes one or a few.
 */
export const HEALTH_SLICE = 1_000;

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
 * The line's pending batches are tallied {@link HEALTH_SLICE} per turn of the event loop, the
 * first slice at once, so up to that many pending batches are logged in the timer's own turn.
 * A batch delivered while later slices wait is still counted as pending in that line.
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
      let index = 0;
      const step = (): void => {
        tallying = undefined;
        const end = Math.min(pending.length, index + HEALTH_SLICE);
        while (index < end) tally.addPending(pending[index++] as Batch);
        if (index < pending.length) {
          tallying = setImmediate(step);
          return;
        }
        for (const batch of dead) tally.addDead(batch);
        const own = tally.result();
        const lines = intake ? [...own.lines, ...intake] : own.lines;
        const { fields, failing } = healthSummary(lines, own.routes + (intake?.length ?? 0));
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
