// A long-running service that writes to ever new prefixes: `minutes` simulated minutes, each
// with `prefixes` prefixes never used before, on a manual clock, into a counting uploader.
// Prints one JSON line: RSS (after a full GC) and the routes health() lists, minute by minute.
//   node --expose-gc bench/soak.mjs '{"minutes":30,"prefixes":1000,"eventsPerPrefix":5}'
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ContainerModule } from 'inversify';
import { CLOCK, UPLOADER, createSluice } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { s3Module } from '@sluice/s3';
import { generateEvents } from './events.mjs';

const { minutes = 30, prefixes = 1_000, eventsPerPrefix = 5, forgetIdleRoutesAfterMs = 600_000 } = JSON.parse(process.argv[2] ?? '{}');
const clock = new ManualClock(Date.parse('2024-06-01T00:00:00Z'));
let delivered = 0;
const counter = {
  async upload(request) {
    await pipeline(request.body, createGunzip(), new Writable({ write(chunk, _e, cb) { for (const b of chunk) if (b === 10) delivered += 1; cb(); } }));
    return { location: request.key, bytes: 0, parts: 1, alreadyExisted: false };
  },
};
const sluice = createSluice({
  drainOnExit: false,
  healthLogIntervalMs: 0,
  forgetIdleRoutesAfterMs,
  modules: [new ContainerModule(({ bind }) => { bind(CLOCK).toConstantValue(clock); bind(UPLOADER).toConstantValue(counter); }), s3Module()],
});
const pool = generateEvents(10_000, 20_240_601);
const rssMb = [];
const routes = [];
let sent = 0;
for (let minute = 0; minute < minutes; minute += 1) {
  for (let p = 0; p < prefixes; p += 1) {
    for (let e = 0; e < eventsPerPrefix; e += 1) {
      sluice.send.s3({ bucket: 'bench', prefix: `m${minute}/p${p}`, payload: pool[sent % pool.length] });
      sent += 1;
    }
  }
  await clock.advance(60_000);
  // The manual clock runs minutes in milliseconds: let the minute's uploads finish, as a
  // service whose uploads keep up with it would, so what stays in memory is what is kept.
  await sluice.flush();
  globalThis.gc?.();
  rssMb.push(process.memoryUsage.rss() / 1048576);
  routes.push(sluice.health().length);
}
await sluice.close();
const half = Math.ceil(rssMb.length / 2);
const peak = (values) => Math.max(...values);
process.stdout.write(
  `${JSON.stringify({
    scenario: 'soak',
    minutes,
    prefixes,
    eventsPerPrefix,
    forgetIdleRoutesAfterMs,
    sent,
    delivered,
    rssByMinuteMb: rssMb,
    routesByMinute: routes,
    // Leaving out the warm-up minutes: a leak shows as a second half higher than the first.
    rssGrowthSecondHalfVsFirst: peak(rssMb.slice(half)) / peak(rssMb.slice(2, half)),
    routesGrowthSecondHalfVsFirst: peak(routes.slice(half)) / peak(routes.slice(2, half)),
  })}\n`,
);
