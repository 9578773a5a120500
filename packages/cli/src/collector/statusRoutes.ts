import type { FastifyInstance, FastifyReply } from 'fastify';
import { viewOf } from '../inspector/RecentEvent.js';
import type { authGuard } from './authGuard.js';
import type { CollectorContext } from './CollectorContext.js';
import { refuse } from './refuse.js';

/**
 * Registers the routes that report without changing anything: GET /v1/events/:id (an event's
 * delivery, from the recent events or the delivery ledger), /healthz (the process answers),
 * /readyz (503 with the reasons while the collector should get no traffic) and /metrics
 * (Prometheus text). /healthz and /readyz need no auth, for probes.
 */
export function statusRoutes(app: FastifyInstance, context: CollectorContext, preHandler: ReturnType<typeof authGuard>): void {
  app.get('/v1/events/:id', { preHandler }, (request, reply) => getEvent(context, (request.params as { id: string }).id, reply));
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reasons = context.notReady();
    return reply.code(reasons.length === 0 ? 200 : 503).send({ ready: reasons.length === 0, reasons });
  });
  app.get('/metrics', { preHandler }, async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(context.metrics.render()));
}

function getEvent(context: CollectorContext, id: string, reply: FastifyReply): FastifyReply {
  const event = context.recent.get(id);
  const dest = context.sluice.deliveredCount(id);
  if (event) {
    const view = viewOf(event);
    return reply.send({
      id,
      dest: Math.max(dest, event.dest),
      acceptedAt: view.time,
      destinations: [{ destination: event.destination, bucket: event.bucket, prefix: event.prefix, status: event.status, key: event.key ?? null, lastError: event.lastError ?? null }],
      payload: event.payload,
    });
  }
  if (dest > 0) return reply.send({ id, dest, destinations: [], note: 'Older than the recent events the collector keeps (inspector.recentEvents): only the Dest count is known.' });
  return refuse(reply, 404, 'not_found', `No event ${JSON.stringify(id)} among the recent events or the delivery ledger: it is unknown, or older than both (inspector.recentEvents, sluice.ledgerCapacity).`);
}
