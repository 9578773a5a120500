// Runs s3rver on 127.0.0.1 in a process of its own, so the server's CPU and memory are not
// counted against the contender being measured. Prints {"port":N} and serves until SIGTERM.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { addMultipartExtensions } from '@sluice/cli/s3rver-extensions';

const directory = await mkdtemp(path.join(tmpdir(), 'sluice-bench-s3-'));
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: 'bench', configs: [] }] });
// s3rver lacks AbortMultipartUpload and ListMultipartUploads; @sluice/cli's extension adds them.
addMultipartExtensions(server, directory);
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
