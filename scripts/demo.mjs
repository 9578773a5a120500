/* global fetch */
// `npm start`: the collector path end to end. An embedded S3-compatible server on 127.0.0.1,
// `sluice serve`'s collector in front of it (durable file spool), realistic events POSTed
// over HTTP as any language would send them (NDJSON batches and single JSON events), then
// every object read back from the server. On a terminal the collector keeps serving, so you
// can open the inspector page and send more with curl; in CI (or piped) it stops after the check.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { Collector, EMBEDDED_S3_CREDENTIALS, parseCollectorConfig, startEmbeddedS3 } from '@sluice/cli';

// The AWS SDK warns on Node 20 about its 2027 releases; the README says what it means.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = path.resolve('.sluice-demo');
const bucket = 'demo-events';
const interactive = process.stdout.isTTY && !process.env.CI;

await rm(root, { recursive: true, force: true });
const s3 = await startEmbeddedS3(path.join(root, 's3'), [bucket]);
const config = (port) =>
  parseCollectorConfig({
    listen: { host: '127.0.0.1', port },
    spool: { directory: path.join(root, 'spool') },
    s3: { endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...EMBEDDED_S3_CREDENTIALS } },
  });
// Port 8080 as the README says; a free one if something else has it.
const collector = await Collector.start(config(8080)).catch((error) => (error.code === 'EADDRINUSE' ? Collector.start(config(0)) : Promise.reject(error)));
const url = collector.url;
console.log(`S3-compatible server on ${s3.endpoint}, data in ${root}`);
console.log(`collector on ${url}\n  inspector: ${url}/\n`);

let random = 42;
const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = (list) => list[Math.floor(next() * list.length)];
const paths = ['/', '/pricing', '/docs/getting-started', '/blog/how-we-batch', '/signup', '/checkout'];
const agents = ['Mozilla/5.0 (Macintosh)', 'Mozilla/5.0 (Windows NT 10.0)', 'curl/8.5.0', 'Mozilla/5.0 (iPhone)'];

async function post(body, contentType) {
  const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const answer = await response.json();
  if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer.accepted;
}

let sent = 0;
for (let batch = 0; batch < 12; batch += 1) {
  const lines = Array.from({ length: 250 }, () =>
    JSON.stringify({ bucket, prefix: 'web/pageviews', payload: { type: 'pageview', at: new Date().toISOString(), path: pick(paths), userId: `u_${Math.floor(next() * 5000)}`, userAgent: pick(agents), durationMs: Math.round(next() * 900), ok: next() > 0.02 } }),
  );
  sent += await post(`${lines.join('\n')}\n`, 'application/x-ndjson');
  const order = { type: 'order', at: new Date().toISOString(), orderId: `o_${batch}`, items: [{ sku: `sku-${Math.floor(next() * 100)}`, qty: 1 + Math.floor(next() * 3) }], totalCents: Math.round(next() * 20000), note: 'gift wrap\nplease' };
  sent += await post(JSON.stringify({ bucket, prefix: 'shop/orders', id: `order-${batch}`, payload: order }), 'application/json');
}
console.log(`POSTed ${sent} events (12 NDJSON bodies of 250 pageviews, 12 single JSON orders)`);
const order = await (await fetch(`${url}/v1/events/order-11`)).json();
console.log(`GET /v1/events/order-11 before the minute ends: Dest ${order.dest}, status ${order.destinations[0].status}`);

// Objects are written when each minute ends; flush seals them now so the demo need not wait.
await collector.sluice.flush();
const after = await (await fetch(`${url}/v1/events/order-11`)).json();
console.log(`after delivery: Dest ${after.dest}, key ${after.destinations[0].key}\n`);

const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...EMBEDDED_S3_CREDENTIALS } });
const { Contents = [] } = await client.send(new ListObjectsCommand({ Bucket: bucket }));
let total = 0;
for (const { Key, Size } of Contents) {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
  const lines = gunzipSync(Buffer.from(await object.Body.transformToByteArray())).toString('utf8').trimEnd().split('\n').length;
  total += lines;
  console.log(`${Key}\n  ${Size} bytes gzip, ${lines} lines`);
}
client.destroy();
console.log(`\n${Contents.length} objects, ${total} lines: ${total === sent ? 'every event delivered once' : `MISMATCH: sent ${sent}`}`);
if (total !== sent) process.exitCode = 1;

async function stop() {
  const report = await collector.close();
  await s3.close();
  if (!report.drained) process.exitCode = 1;
}
if (interactive && total === sent) {
  console.log(`\nThe collector keeps running. Open ${url}/ and send more:`);
  console.log(`  curl -H 'content-type: application/json' -d '{"bucket":"${bucket}","prefix":"web","payload":{"hello":"world"}}' ${url}/v1/events`);
  console.log('They are delivered when the minute ends (watch Dest turn 1). Ctrl-C stops.');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  await stop();
}
