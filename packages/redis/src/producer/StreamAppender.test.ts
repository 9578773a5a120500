import { describe, expect, it } from 'vitest';
import type { IntakeRecord, Logger } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { parseFleetOptions } from '../config.js';
import type { FleetRedis } from '../redis/FleetRedis.js';
import { StreamAppender } from './StreamAppender.js';

/** Redis as the appender sees it: every append answered at once, with the backlog it made. */
function answeringRedis(): FleetRedis {
  let backlog = 0;
  const sluiceAppend = (...args: unknown[]) => {
    for (let i = 4 + 7; i < args.length; i += 8) backlog += (args[i] as Buffer).length;
    return Promise.resolve(backlog);
  };
  return { url: 'redis://test', startError: undefined, scripts: { sluiceAppend } } as unknown as FleetRedis;
}

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function record(prefix: string, time: number): IntakeRecord {
  return { destination: 's3', routeId: `s3://b/${prefix}/`, target: { bucket: 'b', prefix }, record: '{"a":1}\n', time, window: { start: time - (time % 60_000), end: time - (time % 60_000) + 60_000 } };
}

describe('StreamAppender', () => {
  it('forgets a route that sent nothing for forgetIdleRoutesAfterMs, by the injected clock, and keeps the ones still sending', async () => {
    const clock = new ManualClock('2024-05-25T12:00:00Z');
    const options = parseFleetOptions({ url: 'redis://test', appendIntervalMs: 60_000 });
    const appender = new StreamAppender(answeringRedis(), options, quiet, { clock, forgetAfterMs: 10_000 });
    try {
      for (let n = 0; n < 50; n += 1) appender.accept(record(`p${n}`, clock.now()));
      await appender.flush();
      expect(appender.routes).toBe(50);
      await clock.advanceTo(clock.now() + 6_000);
      appender.accept(record('p0', clock.now()));
      await appender.flush();
      // Idle for 6 s only: nothing forgotten yet.
      expect(appender.routes).toBe(50);
      await clock.advanceTo(clock.now() + 5_000);
      appender.accept(record('p1', clock.now()));
      await appender.flush();
      // 11 s idle: all but p0 (sent 5 s ago) and p1 (sending now) are forgotten.
      expect(appender.routes).toBe(2);
      // A forgotten route comes back as new when it sends again.
      appender.accept(record('p7', clock.now()));
      await appender.flush();
      expect(appender.routes).toBe(3);
    } finally {
      appender.close();
    }
  });
});
