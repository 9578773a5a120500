// Sluice's log lines in your pino logger. Sluice logs `logger.info(message, fields)`; pino
// takes its fields first, so bind pino through `pinoLogger()`, which puts them where pino
// expects them. pino's level, redaction, serializers and transports apply as usual; here its
// destination is a stream the example reads, to check that a delivery's key and event count
// arrive as fields of pino's JSON lines.
//   npm run build && node examples/dist/pino-logger.js
import { ContainerModule } from 'inversify';
import { pino } from 'pino';
import { createSluice, LOGGER, pinoLogger } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { check } from './support/check.js';
import { startLocalS3 } from './support/localS3.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const bucket = 'example-logged';
const s3 = await startLocalS3([bucket]);

// Any object with write(line) is a pino destination; in a service this is stdout or a transport.
const lines: string[] = [];
const destination = {
  write(line: string) {
    lines.push(line);
    process.stdout.write(line);
  },
};
const logger = pino({ level: 'info', base: { service: 'orders' } }, destination);
const logs = new ContainerModule(({ bind }) => {
  bind(LOGGER).toConstantValue(pinoLogger(logger.child({ component: 'sluice' })));
});

const sluice = createSluice({ modules: [logs, s3Module(s3.s3Options)] });
const events = 12;
for (let i = 0; i < events; i += 1) sluice.send.s3({ bucket, prefix: 'orders', payload: { order: i, sku: `sku-${i % 3}` } });
await sluice.close();

const objects = await s3.objects(bucket);
await s3.close();
const stored = objects.reduce((count, object) => count + object.lines.length, 0);
check(stored === events, `${events} events sent, ${stored} stored`);

const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const delivered = entries.filter((entry) => entry['msg'] === 'batch delivered');
// One object per destination-minute: a send loop that crosses a minute makes two, each logged.
check(delivered.length === objects.length, `one 'batch delivered' line per stored object: ${delivered.length} lines, ${objects.length} objects`);
for (const object of objects) {
  const entry = delivered.find((candidate) => candidate['key'] === object.key);
  check(entry !== undefined, `a 'batch delivered' line names the stored key ${object.key}`);
  check(entry['events'] === object.lines.length, `the logged event count ${String(entry['events'])} is the ${object.lines.length} lines stored`);
  check(entry['level'] === 30, `pino's info level (30), got ${String(entry['level'])}`);
  check(entry['service'] === 'orders' && entry['component'] === 'sluice', "pino's base and child bindings are on Sluice's lines");
}
process.stdout.write(`pino-logger: ${entries.length} pino lines; 'batch delivered' names ${objects.map((object) => object.key).join(', ')} with ${events} events\n`);
