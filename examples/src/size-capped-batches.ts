// Busy minutes as several smaller objects: the minute batcher with a size cap. One object per
// destination-minute is the default; with `maxBytes` (or `maxEvents`) a minute is split into
// complete objects of at most that many uncompressed bytes, each under its own key. Bind any
// other Batcher (core's interface: `windowOf(now)` and `wouldOverflow(fill, nextBytes)`) to
// BATCHER instead to change the rule altogether; the s3 module keeps a batcher already bound.
//   npm run build && node examples/dist/size-capped-batches.js
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { createSluice } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { check } from './support/check.js';
import { startLocalS3 } from './support/localS3.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const bucket = 'example-capped';
const maxBytes = 2048;
const s3 = await startLocalS3([bucket]);

const sluice = createSluice({ modules: [minuteBatcherModule({ maxBytes }), s3Module(s3.s3Options)] });
const events = 100;
for (let i = 0; i < events; i += 1) {
  sluice.send.s3({ bucket, prefix: 'metrics', payload: { n: i, host: `web-${i % 4}`, cpu: (i * 7) % 100, note: 'x'.repeat(40) } });
}
await sluice.close();

const objects = await s3.objects(bucket);
await s3.close();
const sizes = objects.map((object) => object.lines.reduce((bytes, line) => bytes + Buffer.byteLength(line) + 1, 0));
const total = objects.reduce((count, object) => count + object.lines.length, 0);
check(total === events, `${events} events sent, ${total} stored`);
check(objects.length >= 4, `about ${events * 80} bytes under a ${maxBytes}-byte cap make several objects, got ${objects.length}`);
check(sizes.every((size) => size <= maxBytes), `every object holds at most ${maxBytes} uncompressed bytes: ${sizes.join(', ')}`);
process.stdout.write(`size-capped-batches: ${events} events in ${objects.length} objects of ${sizes.join(', ')} bytes (cap ${maxBytes})\n`);
