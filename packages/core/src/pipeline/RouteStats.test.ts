import { describe, expect, it } from 'vitest';
import { recordingLogger, recordingSluice } from '../../test-support/recordingSluice.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import type { Batch } from './Batch.js';
import { healthSummary } from './healthSummary.js';
import type { RouteHealth } from './RouteHealth.js';
import { RouteStats } from './RouteStats.js';

describe('route health over a long-running service', () => {
  it('logs one summary line per interval, with totals and the largest backlogs, however many routes there are', async () => {
    const { logger, lines } = recordingLogger();
    const { clock, sluice, send } = recordingSluice({ logger, sluice: { healthLogIntervalMs: 60_000 } });
    for (let route = 0; route < 500; route += 1) send(`route-${route}`, { route });
    let delivered = 0;
    const allDelivered = new Promise<void>((resolve) => sluice.on('delivered', () => ++delivered === 500 && resolve()));
    await clock.advance(2_000); // 16:15:00: the first minute ends; its 500 uploads start a few per turn of the event loop
    await allDelivered;
    await clock.advance(61_000); // 16:16:01: the first summary logged
    for (let i = 0; i <= 30; i += 1) send('busy', i);
    send('quiet', 1);
    await clock.advance(57_000); // 16:16:58, second summary: this minute is still open
    const summaries = lines.filter((line) => line.message === 'sluice health');
    expect(summaries).toHaveLength(2);
    expect(summaries[0]?.fields).toMatchObject({ routes: 500, pendingRoutes: 0, pendingEvents: 0, failingRoutes: 0 });
    expect(summaries[1]?.fields).toMatchObject({ routes: 502, pendingRoutes: 2, pendingEvents: 32, failingRoutes: 0 });
    const backlog = (summaries[1]?.fields?.largestBacklogs ?? []) as Array<{ route: string; pendingEvents: number }>;
    expect(backlog.map((route) => [route.route, route.pendingEvents])).toEqual([
      ['busy', 31],
      ['quiet', 1],
    ]);
    await sluice.close();
  });

  it('warns, naming the failing routes, while deliveries fail', async () => {
    const { logger, lines } = recordingLogger();
    const { clock, sluice, destination, send } = recordingSluice({ logger, sluice: { healthLogIntervalMs: 60_000 } });
    destination.failNext(100);
    send('failing', 1);
    await clock.advance(60_000);
    const [summary] = lines.filter((line) => line.message === 'sluice health');
    expect(summary?.level).toBe('warn');
    expect(summary?.fields).toMatchObject({ failingRoutes: 1, failing: [{ route: 'failing', lastError: { code: 'InjectedFailure' } }] });
    destination.clearFailures();
    await sluice.close();
  });

  it('forgets routes idle for forgetIdleRoutesAfterMs, so a steady stream of new prefixes keeps health() flat', async () => {
    const { clock, sluice, send } = recordingSluice({ sluice: { forgetIdleRoutesAfterMs: 600_000, healthLogIntervalMs: 0 } });
    // A few new routes a minute are enough: kept, 30 minutes of them (150) are far above what
    // a 10-minute window with a sweep every 5 minutes may hold (at most 16 minutes' worth).
    const perMinute = 5;
    const sizes: number[] = [];
    for (let minute = 0; minute < 30; minute += 1) {
      for (let i = 0; i < perMinute; i += 1) send(`m${minute}-p${i}`, i);
      await clock.advance(60_000);
      sizes.push(sluice.health().length);
    }
    expect(sizes.at(-1)).toBeLessThan(30 * perMinute);
    expect(Math.max(...sizes.slice(15))).toBeLessThanOrEqual(16 * perMinute);
    expect(Math.min(...sizes.slice(10))).toBeGreaterThanOrEqual(10 * perMinute);
    await sluice.close();
  });

  it('keeps a route with pending events or dead letters, however long it is idle', async () => {
    const { clock, sluice, destination, send } = recordingSluice({ sluice: { forgetIdleRoutesAfterMs: 60_000, healthLogIntervalMs: 0 } });
    destination.failNext(1_000, new DeliveryError('denied', { code: 'AccessDenied', retryable: false, location: 'recording://stuck' }));
    send('stuck', 1);
    await clock.advance(3 * 3_600_000);
    expect(sluice.health()).toMatchObject([{ route: 'stuck', pendingEvents: 0, deadLetters: 1 }]);
    await sluice.close({ timeoutMs: 1 }).catch(() => {});
  });
});

describe('the health line over many routes', () => {
  const batch = (route: string, events: number, openedAt: number) =>
    ({ route: { destination: { name: 'd' }, routeId: route }, events, bytes: events * 100, openedAt }) as unknown as Batch;

  it('says what the full report says, from the pending, failing and dead routes only', () => {
    const stats = new RouteStats();
    for (let i = 0; i < 1_000; i += 1) stats.delivered(batch(`idle-${i}`, 1, 0), 10);
    stats.failed(batch('idle-7', 1, 0), 20, 'SlowDown', 'slow down');
    const pending = [batch('busy', 30, 5), batch('idle-3', 2, 7), batch('new', 1, 9), batch('busy', 5, 3)];
    for (let i = 0; i < 20; i += 1) pending.push(batch(`more-${i}`, 3 + i, 11));
    const dead = [batch('buried', 4, 1)];
    const notable = stats.notable(pending, dead);
    expect(notable.routes).toBe(1_000 + 1 + 20 + 2);
    expect(notable.lines.length).toBeLessThan(30);
    expect(healthSummary(notable.lines, notable.routes)).toEqual(healthSummary(stats.report(pending, dead)));
    const { fields } = healthSummary(notable.lines, notable.routes);
    expect(fields).toMatchObject({ routes: 1_023, pendingRoutes: 23, pendingEvents: 38 + 250, failingRoutes: 2, deadLetters: 1, oldestPendingAt: 3 });
    expect((fields.largestBacklogs as RouteHealth[]).map((line) => line.route)).toEqual(['busy', ...Array.from({ length: 9 }, (_, i) => `more-${19 - i}`)]);
  });
});
