import { describe, expect, it } from 'vitest';
import { FleetRouteStats } from './FleetRouteStats.js';

describe('FleetRouteStats', () => {
  it('reports per route what was delivered, late objects apart, the last error until the next delivery, and what is pending here', () => {
    const stats = new FleetRouteStats(3_600_000);
    stats.delivered('s3', 's3://b/a/', 10, false, 1_000);
    stats.delivered('s3', 's3://b/a/', 2, true, 2_000);
    stats.failed('s3', 's3://b/c/', 'AccessDenied', 'Access Denied', 3_000);
    const report = stats.report([{ destination: 's3', routeId: 's3://b/a/', events: 3, bytes: 300, firstTime: 2_500 }, { destination: 's3', routeId: 's3://b/a/', events: 1, bytes: 100, firstTime: 2_400 }], 4_000);
    expect(report.find((line) => line.route === 's3://b/a/')).toMatchObject({ deliveredEvents: 12, deliveredObjects: 2, lateEvents: 2, lateObjects: 1, lastDeliveryAt: 2_000, pendingEvents: 4, pendingBytes: 400, oldestPendingAt: 2_400, retries: 0 });
    expect(report.find((line) => line.route === 's3://b/c/')).toMatchObject({ retries: 1, lastError: { at: 3_000, code: 'AccessDenied', message: 'Access Denied' }, deliveredEvents: 0 });
    stats.dead('s3', 's3://b/c/', 3_500);
    expect(stats.report([], 4_000).find((line) => line.route === 's3://b/c/')).toMatchObject({ deadLetters: 1, lastError: { code: 'AccessDenied' } });
    stats.delivered('s3', 's3://b/c/', 5, false, 5_000);
    expect(stats.report([], 5_000).find((line) => line.route === 's3://b/c/')).toMatchObject({ lastError: undefined, deadLetters: 1 });
  });

  it('forgets a route untouched for an hour, unless something of it is pending', () => {
    const stats = new FleetRouteStats(3_600_000);
    stats.delivered('s3', 's3://b/a/', 1, false, 0);
    stats.delivered('s3', 's3://b/b/', 1, false, 0);
    const report = stats.report([{ destination: 's3', routeId: 's3://b/b/', events: 1, bytes: 10, firstTime: 3_600_001 }], 3_600_001);
    expect(report.map((line) => line.route)).toEqual(['s3://b/b/']);
    expect(report[0]).toMatchObject({ deliveredEvents: 0, pendingEvents: 1 });
  });
});
