// A process that sends three events to a destination that keeps failing, then shuts down in
// one of the ways a service does. The lifecycle tests read what it prints and how it exits.
//   node exitingProducer.mjs top-level      await sluice.close({ timeoutMs }) at top level
//   node exitingProducer.mjs signal         an open server; on SIGTERM: server.close(), then await close()
//   node exitingProducer.mjs parts          a destination that succeeds, whose uploader holds a handle until closed
import net from 'node:net';
import { ContainerModule } from 'inversify';
import { BATCHER, createSluice, DESTINATION } from '@sluice/core';
import { RecordingDestination } from '@sluice/core/testing';

const [mode] = process.argv.slice(2);
const destination = new RecordingDestination();
if (mode === 'parts') {
  // Like an SDK client's sockets: a handle that keeps the process alive until close().
  const handle = setInterval(() => {}, 1_000_000);
  destination.uploader.close = () => clearInterval(handle);
} else {
  destination.failNext(10_000);
}
const sluice = createSluice({
  retry: { initialDelayMs: 20, maxDelayMs: 50, permanentErrorDelayMs: 50 },
  logLevel: 'error',
  modules: [
    new ContainerModule(({ bind }) => {
      bind(BATCHER).toConstantValue({ windowOf: (now) => ({ start: now - (now % 60_000), end: now - (now % 60_000) + 60_000 }), wouldOverflow: () => false });
      bind(DESTINATION).toConstantValue(destination);
    }),
  ],
});
for (let i = 0; i < 3; i += 1) sluice.sendTo('recording', { stream: 's', payload: i });

if (mode === 'top-level') {
  await sluice.close({ timeoutMs: 300 });
} else if (mode === 'signal') {
  const server = net.createServer().listen(0, '127.0.0.1');
  process.on('SIGTERM', async () => {
    server.close();
    try {
      await sluice.close({ timeoutMs: 300 });
      process.stdout.write('closed\n');
    } catch (error) {
      process.stdout.write(`close failed: ${error.code}\n`);
    }
  });
  server.on('listening', () => process.stdout.write('ready\n'));
} else {
  await sluice.close();
  process.stdout.write(`closed, ${destination.objects.length} object(s)\n`);
}
