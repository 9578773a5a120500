// What a user of the published packages writes, installed from the packed tarballs: every
// public entry point imported, one event sent through the file spool to a real S3 server,
// and the object read back. Exits non-zero when anything is missing or wrong.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { FixedWindowBatcher } from '@sluice/batcher-minute/testing';
import { parseCollectorConfig } from '@sluice/cli';
import { createSluice, type DeliveryReport } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { bucketPolicy, s3Module } from '@sluice/s3';
import { InMemoryUploader } from '@sluice/s3/testing';
import { fileSpoolModule } from '@sluice/spool-file';
import { temporarySpoolDirectory } from '@sluice/spool-file/testing';

const endpoint = process.env['SLUICE_S3_ENDPOINT'];
const bucket = process.env['SLUICE_S3_BUCKET'];
assert.ok(endpoint && bucket, 'SLUICE_S3_ENDPOINT and SLUICE_S3_BUCKET are set by scripts/check-pack.mjs');
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// The test doubles and the other entry points load and work.
assert.equal(new ManualClock('2024-02-29T10:00:00Z').now(), Date.parse('2024-02-29T10:00:00Z'));
assert.equal(new FixedWindowBatcher(10_000).windowOf(12_345).start, 10_000);
assert.equal(new InMemoryUploader().objects.size, 0);
assert.match(JSON.stringify(bucketPolicy({ bucket, principalArn: 'arn:aws:iam::123456789012:role/app' })), /s3:PutObject/);
assert.equal(parseCollectorConfig({}).listen.host, '127.0.0.1');
assert.equal(typeof temporarySpoolDirectory, 'function');

const marker = `esm-${process.version}-${Date.now()}`;
const directory = await mkdtemp(path.join(tmpdir(), 'sluice-consumer-spool-'));
try {
  const sluice = createSluice({
    drainOnExit: false,
    logLevel: 'silent',
    modules: [fileSpoolModule({ directory }), minuteBatcherModule({ maxEvents: 1000 }), s3Module({ endpoint, forcePathStyle: true, credentials })],
  });
  const receipt = sluice.send.s3({ bucket, prefix: 'consumer/esm', payload: { marker } });
  await sluice.flush();
  const report: DeliveryReport = await receipt.delivered;
  await sluice.close();

  assert.match(report.key, /^consumer\/esm\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{64}\.gz$/);
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: report.key }));
  const lines = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8').trimEnd().split('\n');
  client.destroy();
  assert.deepEqual(lines.map((line) => JSON.parse(line) as unknown), [{ marker }]);
  process.stdout.write(`esm consumer on ${process.version}: ${report.key}\n`);
} finally {
  await rm(directory, { recursive: true, force: true });
}
