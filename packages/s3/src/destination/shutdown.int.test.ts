import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs on the packages' build (dist), as an application would: `npm test` builds first.
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-support/closeAgainstSilentEndpoint.mjs');

describe('shutdown against an S3 endpoint that never answers', () => {
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  let endpoint: string;
  beforeAll(async () => {
    // Accepts connections and holds them without a byte of answer, as a hung load balancer does.
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('lets the process exit by itself once close() has given up, with no request or client left holding it', async () => {
    const child = spawn(process.execPath, [script, endpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // The defect kept the process alive for minutes (until the socket timeout); this bound
    // is far above a healthy exit even on a loaded machine, and ends the test cleanly.
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    expect(signal, `the process had to be killed; it printed: ${out}${err}`).toBeNull();
    expect(code, err).toBe(0);
    expect(out.trim()).toBe('ShutdownTimeoutError SLUICE_TIMEOUT');
  }, 60_000);
});
