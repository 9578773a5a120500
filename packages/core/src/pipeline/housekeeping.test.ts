import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test-support/recordingSluice.js';
import type { Clock } from '../time/Clock.js';
import type { Batch } from './Batch.js';
import { healthSummary } from './healthSummary.js';
import { HEALTH_SLICE, startHousekeeping } from './housekeeping.js';
import { RouteStats } from './RouteStats.js';

/** A clock whose timers fire only when the test calls them, in the test's own turn. */
function heldClock() {
  const due: Array<() => void> = [];
  const clock: Clock = { now: () => 0, setTimer: (_delay, callback) => (due.push(callback), { cancel: () => void due.splice(due.indexOf(callback), 1) }) };
  return { clock, fire: () => due.shift()?.() };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the periodic health line over thousands of pending routes', () => {
  const options = { healthLogIntervalMs: 60_000, forgetIdleRoutesAfterMs: 3_600_000 };
  // Each batch counts the times its pending figures are read: what a turn tallied.
  let reads = 0;
  const batch = (route: string, events: number) =>
    ({
      route: { destination: { name: 'd' }, routeId: route },
      get events() {
        reads += 1;
        return events;
      },
      bytes: events * 100,
      openedAt: events,
    }) as unknown as Batch;

  it('tallies pending batches, then sums up routes, a slice per turn of the event loop, and logs what one pass would', async () => {
    reads = 0;
    const { logger, lines } = recordingLogger();
    const { clock, fire } = heldClock();
    const stats = new RouteStats();
    const pending = Array.from({ length: 2 * HEALTH_SLICE + 10 }, (_, i) => batch(`r${i}`, 1 + (i % 7)));
    const dead = [batch('buried', 4)];
    startHousekeeping(clock, logger, options, stats, () => ({ pending, dead }));
    fire();
    expect(reads).toBe(HEALTH_SLICE);
    expect(lines).toEqual([]);
    await nextTurn();
    expect(reads).toBe(2 * HEALTH_SLICE);
    expect(lines).toEqual([]);
    // Then the routes' lines (as many, and the dead letter's) are summed up, a slice's worth
    // per turn, the rest of this turn's slice first.
    await nextTurn();
    expect(reads).toBe(2 * HEALTH_SLICE + 10);
    await nextTurn();
    expect(lines).toEqual([]);
    await nextTurn();
    expect(lines.map((line) => line.message)).toEqual(['sluice health']);
    const whole = stats.notable(pending, dead);
    expect(lines[0]?.fields).toEqual(healthSummary(whole.lines, whole.routes).fields);
    expect(lines[0]?.fields).toMatchObject({ routes: 2 * HEALTH_SLICE + 11, pendingRoutes: 2 * HEALTH_SLICE + 10, deadLetters: 1 });
  });

  it('logs in the timer\'s own turn when one slice holds every pending batch', () => {
    const { logger, lines } = recordingLogger();
    const { clock, fire } = heldClock();
    startHousekeeping(clock, logger, options, new RouteStats(), () => ({ pending: [batch('a', 3)], dead: [], intake: [] }));
    fire();
    expect(lines[0]?.fields).toMatchObject({ routes: 1, pendingRoutes: 1, pendingEvents: 3 });
  });

  it('logs nothing once cancelled while a line is still being tallied', async () => {
    const { logger, lines } = recordingLogger();
    const { clock, fire } = heldClock();
    const pending = Array.from({ length: HEALTH_SLICE + 1 }, (_, i) => batch(`r${i}`, 1));
    const timers = startHousekeeping(clock, logger, options, new RouteStats(), () => ({ pending, dead: [] }));
    fire();
    for (const timer of timers) timer.cancel();
    await nextTurn();
    await nextTurn();
    expect(lines).toEqual([]);
  });
});
