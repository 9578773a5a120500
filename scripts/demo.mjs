// `npm start`: an embedded S3-compatible server on 127.0.0.1, three simulated minutes of
// realistic events through send.s3(), then every object written, read back from the server.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { ContainerModule } from 'inversify';
import S3rver from 's3rver';
import { addMultipartExtensions } from '../packages/s3/test-support/s3rverExtensions.mjs';
import { CLOCK, createSluice } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { s3Module } from '@sluice/s3';

const root = path.resolve('.sluice-demo');
const bucket = 'demo-events';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

await rm(root, { recursive: true, force: true });
await mkdir(root, { recursive: true });
const server = new S3rver({ address: '127.0.0.1', port: 0, directory: root, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
// s3rver lacks AbortMultipartUpload and ListMultipartUploads; the tests' extension adds them.
addMultipartExtensions(server, root);
const { port } = await server.run();
const endpoint = `http://127.0.0.1:${port}`;
console.log(`S3-compatible server on ${endpoint}, data in ${root}\n`);

// A simulated clock lets the demo show minute batching without waiting three minutes.
const clock = new ManualClock(Date.now());
const sluice = createSluice({
  modules: [
    new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)),
    s3Module({ endpoint, forcePathStyle: true, credentials }),
  ],
});
sluice.on('delivered', (e) => console.log(`delivered ${e.events} events to ${e.location} (${e.bytes} bytes, ${e.parts} part)`));
sluice.on('deliveryError', (e) => console.error(`delivery failed (${e.code}), retrying in ${e.retryInMs} ms`));

let random = 42;
const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = (list) => list[Math.floor(next() * list.length)];
const paths = ['/', '/pricing', '/docs/getting-started', '/blog/how-we-batch', '/signup', '/checkout'];
const agents = ['Mozilla/5.0 (Macintosh)', 'Mozilla/5.0 (Windows NT 10.0)', 'curl/8.5.0', 'Mozilla/5.0 (iPhone)'];

let sent = 0;
for (let second = 0; second < 180; second += 1) {
  const perSecond = 20 + Math.floor(next() * 20);
  for (let i = 0; i < perSecond; i += 1) {
    const at = new Date(clock.now()).toISOString();
    sluice.send.s3({
      bucket,
      prefix: 'web/pageviews/',
      payload: { type: 'pageview', at, path: pick(paths), userId: `u_${Math.floor(next() * 5000)}`, userAgent: pick(agents), durationMs: Math.round(next() * 900), ok: next() > 0.02 },
    });
    sent += 1;
    if (next() < 0.05) {
      sluice.send.s3({
        bucket,
        prefix: 'shop/orders',
        payload: { type: 'order', at, orderId: `o_${sent}`, items: [{ sku: `sku-${Math.floor(next() * 100)}`, qty: 1 + Math.floor(next() * 3) }], totalCents: Math.round(next() * 20000), note: 'gift wrap\nplease' },
      });
      sent += 1;
    }
  }
  await clock.advance(1_000);
}
await sluice.close();
console.log(`\nsent ${sent} events; objects in s3://${bucket}:\n`);

const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...credentials } });
const { Contents = [] } = await client.send(new ListObjectsCommand({ Bucket: bucket }));
let total = 0;
for (const { Key, Size } of Contents) {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
  const lines = gunzipSync(Buffer.from(await object.Body.transformToByteArray())).toString('utf8').trimEnd().split('\n').length;
  total += lines;
  console.log(`${Key}\n  ${Size} bytes gzip, ${lines} lines, on disk: ${path.join(root, bucket, `${Key}._S3rver_object`)}`);
}
console.log(`\n${Contents.length} objects, ${total} lines: ${total === sent ? 'every event delivered once' : `MISMATCH: sent ${sent}`}`);
client.destroy();
await server.close();
if (total !== sent) process.exitCode = 1;
