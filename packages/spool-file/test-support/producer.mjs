// A process that sends events steadily through a sluice with the file spool, and prints each
// event id once its send() has returned. The crash test kills it with SIGKILL mid-upload.
//   node producer.mjs <endpoint> <spool folder> <first sequence number> [--finish]
// With --finish it sends nothing: it delivers what earlier runs left, closes and exits.
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { createSluice } from '@sluice/core';
import { s3Module } from '@sluice/s3';
import { fileSpoolModule } from '@sluice/spool-file';

const [endpoint, directory, first, mode] = process.argv.slice(2);
const sluice = createSluice({
  logLevel: 'silent',
  retry: { initialDelayMs: 50, maxDelayMs: 500, permanentErrorDelayMs: 1_000 },
  modules: [
    fileSpoolModule({ directory, fsync: 'never' }),
    // Batches of about 8 MB of incompressible text: two multipart parts each, so that a kill
    // lands while a multipart upload is open.
    minuteBatcherModule({ maxEvents: 2_000 }),
    s3Module({ endpoint, forcePathStyle: true, partSizeBytes: 5 * 1024 * 1024, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
  ],
});

if (mode === '--finish') {
  await sluice.close();
  process.exit(0);
}

let sequence = Number(first);
for (;;) {
  let sent = '';
  for (let i = 0; i < 10; i += 1) {
    const id = `e${sequence}`;
    sluice.send.s3({ bucket: 'crash', prefix: 'events', id, payload: { id, pad: randomBytes(3_000).toString('base64') } });
    sent += `${id}\n`;
    sequence += 1;
  }
  writeSync(1, sent);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
