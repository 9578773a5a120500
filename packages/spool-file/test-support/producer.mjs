// A process that sends events steadily through a sluice with the file spool, and prints each
// event id once its send() has returned. The crash test kills it with SIGKILL at random.
//   node producer.mjs <endpoint> <spool folder> <first sequence number> [--finish]
// With --finish it sends nothing: it delivers what earlier runs left, closes and exits.
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
    // Small batches, so that kills land during uploads as well as between them.
    minuteBatcherModule({ maxEvents: 150 }),
    s3Module({ endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
  ],
});

if (mode === '--finish') {
  await sluice.close();
  process.exit(0);
}

let sequence = Number(first);
for (;;) {
  for (let i = 0; i < 50; i += 1) {
    const id = `e${sequence}`;
    sluice.send.s3({ bucket: 'crash', prefix: 'events', id, payload: { id, at: Date.now(), pad: 'x'.repeat(200) } });
    writeSync(1, `${id}\n`);
    sequence += 1;
  }
  await new Promise((resolve) => setTimeout(resolve, 2));
}
