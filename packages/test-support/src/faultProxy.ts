import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy saw, and what it did with it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  /** The status answered, or 0 when the connection was dropped instead. */
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

/**
 * What to do with one request: a status to answer (an S3-style error), 'reset' to drop the
 * connection before forwarding, 'dropResponse' to forward it (so the server acts on it) and
 * drop the connection instead of answering, `{ delayMs }` to hold the answer back,
 * `{ bodyBytesPerSecond }` to forward the request body no faster than that, or undefined to
 * forward it as it is.
 */
export type Fault = number | 'reset' | 'dropResponse' | { delayMs: number } | { bodyBytesPerSecond: number } | undefined;

/** Decides, per request as it arrives, whether and how to fail it. */
export type FaultRule = (request: http.IncomingMessage, index: number) => Fault;

export interface FaultProxy {
  readonly endpoint: string;
  /** Every request answered or dropped, in that order. */
  readonly requests: ProxiedRequest[];
  setRule(rule: FaultRule | undefined): void;
  /** Resolves with the first request, seen already or later, that matches. */
  waitFor(match: (request: ProxiedRequest) => boolean): Promise<ProxiedRequest>;
  /**
   * Stops listening: new connections are refused (ECONNREFUSED) until the returned function
   * is called, which listens again on the same port.
   */
  refuseConnections(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a test S3 server that injects faults: S3-style
 * error responses (503 SlowDown, 500 InternalError), dropped connections, slow answers and
 * slow request bodies.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const waiters = new Set<{ match: (request: ProxiedRequest) => boolean; resolve: (request: ProxiedRequest) => void }>();
  let rule: FaultRule | undefined;
  let index = 0;
  const server = http.createServer((req, res) => {
    const fault = rule?.(req, index++);
    const record = (status: number): void => {
      const seen = { method: req.method ?? '', url: req.url ?? '', status, headers: req.headers };
      requests.push(seen);
      for (const waiter of waiters) {
        if (!waiter.match(seen)) continue;
        waiters.delete(waiter);
        waiter.resolve(seen);
      }
    };
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
    const delayMs = typeof fault === 'object' && 'delayMs' in fault ? fault.delayMs : 0;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const reply = (): void => {
          if (res.destroyed) return void answer.resume();
          if (fault === 'dropResponse') {
            answer.resume();
            record(0);
            req.socket.destroy();
            return;
          }
          record(answer.statusCode ?? 0);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (delayMs > 0) setTimeout(reply, delayMs);
        else reply();
      },
    );
    forward.on('error', () => req.socket.destroy());
    // A client that goes away (a killed producer) takes its forwarded request with it.
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    if (typeof fault === 'object' && 'bodyBytesPerSecond' in fault) throttle(req, forward, fault.bodyBytesPerSecond);
    else req.pipe(forward);
  });
  const listen = (port: number): Promise<void> => new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setRule(next) {
      rule = next;
    },
    waitFor(match) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ match, resolve }));
    },
    async refuseConnections() {
      await stop();
      return () => listen(port);
    },
    close: stop,
  };
}

/** Forwards `from` to `to`, pausing after each chunk for as long as the rate allows. */
function throttle(from: http.IncomingMessage, to: http.ClientRequest, bytesPerSecond: number): void {
  from.on('data', (chunk: Buffer) => {
    from.pause();
    to.write(chunk);
    setTimeout(() => from.resume(), (chunk.length / bytesPerSecond) * 1_000);
  });
  from.on('end', () => to.end());
  from.on('error', () => to.destroy());
}
