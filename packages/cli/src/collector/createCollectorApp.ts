import http from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CollectorConfig } from '../config.js';
import type { Metrics } from './Metrics.js';
import { refuse } from './refuse.js';

/** Headers of every answer, the inspector's event stream included. */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The collector's fastify instance, without routes: the body limit and the request, header
 * and keep-alive timeouts of `limits`, answers to clients Node's HTTP parser refuses (408, 431,
 * 400), security headers and `cache-control: no-store` on every answer, request counts in
 * `metrics`, and JSON error bodies for 413, 415, 404 and the rest.
 */
export function createCollectorApp(limits: CollectorConfig['limits'], metrics: Metrics): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Node checks request deadlines every connectionsCheckingInterval (30 s by default),
    // which would let a slow client hold a connection far past requestTimeoutMs.
    serverFactory: (handler) =>
      http.createServer(
        {
          requestTimeout: limits.requestTimeoutMs,
          headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.requestTimeoutMs / 4))),
        },
        handler,
      ),
    clientErrorHandler: (error, socket) => clientError(error as NodeJS.ErrnoException, socket, limits, metrics),
  });
  // Hooks with a callback, not async: an async hook costs every request a promise and a
  // microtask turn, a measurable share of a one-event request.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  app.addHook('onResponse', (_request, reply, done) => {
    metrics.request(reply.statusCode);
    done();
  });
  app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      metrics.rejected('body_too_large', 1);
      return refuse(reply, 413, 'body_too_large', `The body is over the limit of ${limits.bodyBytes} bytes (limits.bodyBytes): send fewer events per request. Nothing of it was accepted.`);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return refuse(reply, 415, 'unsupported_media_type', `Send events as application/json (an event or an array) or application/x-ndjson (one event per line). Nothing was accepted.`);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return refuse(reply, status, status === 500 ? 'internal_error' : 'bad_request', error.message);
  });
  app.setNotFoundHandler((request, reply) => refuse(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
  return app;
}

/** Answers errors Node's HTTP parser raises before a request exists (slow or malformed clients). */
function clientError(error: NodeJS.ErrnoException, socket: Socket, limits: CollectorConfig['limits'], metrics: Metrics): void {
  if (!socket.writable) return void socket.destroy();
  const [status, text, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', `The request was not received whole within ${limits.requestTimeoutMs} ms (limits.requestTimeoutMs); nothing of it was accepted.`]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request headers are too large.']
        : [400, 'Bad Request', `The request is not valid HTTP (${error.code ?? 'parse error'}).`];
  metrics.request(status);
  const body = JSON.stringify({ error: text.toLowerCase().replaceAll(' ', '_'), message });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
