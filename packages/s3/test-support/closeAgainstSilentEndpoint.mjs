// Sends three events to an S3 endpoint that accepts connections and never answers, gives
// close() half a second, and prints how close() ended. It never calls process.exit: the
// test asserts that the process then ends by itself, with nothing of Sluice's holding it.
//   node closeAgainstSilentEndpoint.mjs <endpoint>
import { writeSync } from 'node:fs';
import { createSluice } from '@sluice/core';
import { s3Module } from '@sluice/s3';

const [endpoint] = process.argv.slice(2);
const sluice = createSluice({
  logLevel: 'silent',
  modules: [
    s3Module({
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // Far longer than the test waits: only aborting the requests can end them in time.
      requestTimeoutMs: 600_000,
      connectionTimeoutMs: 600_000,
    }),
  ],
});
for (let i = 0; i < 3; i += 1) sluice.send.s3({ bucket: 'silent', prefix: 'p', payload: { i } });
try {
  await sluice.close({ timeoutMs: 500 });
  writeSync(1, 'closed\n');
} catch (error) {
  writeSync(1, `${error.name} ${error.code}\n`);
}
