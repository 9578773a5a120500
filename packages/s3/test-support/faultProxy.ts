import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy saw, and what it did with it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

/**
 * Decides, per request, whether to fail it: a status to answer, 'reset' to drop the
 * connection, `{ delayMs }` to forward it only after a delay, or undefined to forward it.
 */
export type FaultRule = (request: http.IncomingMessage, index: number) => number | 'reset' | { delayMs: number } | undefined;

export interface FaultProxy {
  readonly endpoint: string;
  readonly requests: ProxiedRequest[];
  setRule(rule: FaultRule | undefined): void;
  /** Stops listening for `ms` milliseconds: connections are refused (ECONNREFUSED) meanwhile. */
  refuseFor(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a test S3 server that injects faults: S3-style
 * error responses (503 SlowDown, 500 InternalError) or dropped connections.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  let rule: FaultRule | undefined;
  let index = 0;
  const server = http.createServer((req, res) => {
    const fault = rule?.(req, index++);
    const record = (status: number): void =>
      void requests.push({ method: req.method ?? '', url: req.url ?? '', status, headers: req.headers });
    if (fault === 'reset') {
      record(0);
      req.socket.destroy();
      return;
    }
    if (typeof fault === 'number') {
      record(fault);
      req.resume();
      const code = fault === 503 ? 'SlowDown' : 'InternalError';
      res.writeHead(fault, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected fault</Message></Error>`);
      return;
    }
    const delayMs = typeof fault === 'object' ? fault.delayMs : 0;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const reply = (): void => {
          if (res.destroyed) return answer.resume(), undefined;
          record(answer.statusCode ?? 0);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (delayMs > 0) setTimeout(reply, delayMs);
        else reply();
      },
    );
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setRule(next) {
      rule = next;
    },
    async refuseFor(ms) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      setTimeout(() => server.listen(port, '127.0.0.1'), ms);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
