// An HTTP service that records one event per request with `send.s3()`. The handler answers at
// once: send() only validates and queues; batching, gzip and the upload happen in the
// background, one object per bucket, prefix and minute. At shutdown, `sluice.close()` after
// the server stopped delivers what is left.
//   npm run build && node examples/dist/http-service.js
import Fastify from 'fastify';
import { createSluice } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { check } from './support/check.js';
import { startLocalS3 } from './support/localS3.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const bucket = 'example-requests';
const s3 = await startLocalS3([bucket]); // against AWS: s3Module() with no options

const sluice = createSluice({ modules: [s3Module(s3.s3Options)] });
const app = Fastify();
app.post<{ Params: { sku: string }; Body: { quantity: number } }>('/orders/:sku', async (request, reply) => {
  const receipt = sluice.send.s3({
    bucket,
    prefix: 'orders',
    payload: { at: new Date().toISOString(), sku: request.params.sku, quantity: request.body.quantity, requestId: request.id },
  });
  return reply.code(202).send({ eventId: receipt.id });
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });

const requests = 25;
for (let i = 0; i < requests; i += 1) {
  const response = await fetch(`${url}/orders/sku-${i % 5}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: i + 1 }) });
  check(response.status === 202, `POST answered ${response.status}`);
}

// Shutdown order: stop taking requests, then deliver what was accepted.
await app.close();
await sluice.close();

const objects = await s3.objects(bucket);
const lines = objects.flatMap((object) => object.lines.map((line) => JSON.parse(line) as { quantity: number }));
await s3.close();
check(objects.every((object) => /^orders\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/[\d-]{19}-[0-9a-f]{64}\.gz$/.test(object.key)), `keys ${objects.map((o) => o.key).join(', ')}`);
check(lines.length === requests, `${requests} requests, ${lines.length} events stored`);
check(lines.reduce((sum, line) => sum + line.quantity, 0) === (requests * (requests + 1)) / 2, 'every request stored once');
process.stdout.write(`http-service: ${requests} requests, ${lines.length} events in ${objects.length} object(s): ${objects.map((o) => o.key).join(', ')}\n`);
