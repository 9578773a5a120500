// A CommonJS user: a .cts file, so TypeScript (module nodenext) emits `require()` calls for
// these imports; Node 20.19+ and 22.12+ load the ESM packages synchronously (require(esm)).
// One event to a real S3 server, read back.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createSluice } from '@sluice/core';
import { s3Module } from '@sluice/s3';

async function main(): Promise<void> {
  const endpoint = process.env['SLUICE_S3_ENDPOINT'];
  const bucket = process.env['SLUICE_S3_BUCKET'];
  assert.ok(endpoint && bucket, 'SLUICE_S3_ENDPOINT and SLUICE_S3_BUCKET are set by scripts/check-pack.mjs');
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const marker = `cjs-${process.version}-${Date.now()}`;
  const sluice = createSluice({ drainOnExit: false, logLevel: 'silent', modules: [s3Module({ endpoint, forcePathStyle: true, credentials })] });
  const receipt = sluice.send.s3({ bucket, prefix: 'consumer/cjs', payload: { marker } });
  await sluice.flush();
  const report = await receipt.delivered;
  await sluice.close();
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: report.key }));
  const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
  client.destroy();
  assert.deepEqual(JSON.parse(text.trimEnd()), { marker });
  process.stdout.write(`cjs consumer on ${process.version}: ${report.key}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
