import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CollectorConfig } from '../config.js';
import { bearerAuth } from './bearerAuth.js';
import type { Metrics } from './Metrics.js';
import { refuse } from './refuse.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The preHandler of the routes that read or write events: 401 without a configured bearer
 * token (or, without tokens, for a client not on this machine), and 403 without tokens for a
 * Host header that is not a loopback name. Lets the request through otherwise.
 */
export function authGuard(auth: CollectorConfig['auth'], metrics: Metrics): (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void {
  const authorize = bearerAuth(auth.tokens);
  // A callback hook, not async: a promise and a microtask turn per request cost a one-event request dearly.
  return (request, reply, done) => {
    const verdict = authorize(request.headers.authorization, request.socket.remoteAddress);
    if (verdict === 'ok' && auth.tokens.length === 0 && !LOOPBACK_HOSTS.has(hostname(request.headers.host))) {
      // Without tokens only this machine may call; a page that rebinds its DNS name to
      // 127.0.0.1 would otherwise read the events.
      refuse(reply, 403, 'forbidden_host', `Host ${JSON.stringify(request.headers.host)} is not a loopback name; without auth.tokens the collector answers only to localhost, 127.0.0.1 and [::1].`);
      return;
    }
    if (verdict === 'ok') {
      done();
      return;
    }
    metrics.rejected('unauthorized', 1);
    const message = {
      missing: 'An Authorization: Bearer <token> header is required.',
      invalid: 'The bearer token is not one of auth.tokens.',
      not_loopback: 'No auth.tokens are configured, so only clients on this machine (loopback) may call; configure auth.tokens to accept others.',
    }[verdict];
    void reply.header('www-authenticate', 'Bearer realm="sluice"');
    refuse(reply, 401, 'unauthorized', message);
  };
}

/** The host name of a Host header, without the port. */
function hostname(host: string | undefined): string {
  if (!host) return '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}
