import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BackpressureError, ClosedError, EventTooLargeError, SerializationError, SpoolError, ValidationError } from '@sluice/core';
import type { RecentEvents } from '../inspector/RecentEvents.js';
import type { authGuard } from './authGuard.js';
import type { CollectorContext } from './CollectorContext.js';
import { parseEvents, type LineError } from './parseEvents.js';
import { refuse } from './refuse.js';
import { s3RouteId } from './s3RouteId.js';

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];
const JSON_TYPES = ['application/json'];
/** Seconds a client told 429 should wait; the gate opens again within a batch upload or two. */
const RETRY_AFTER_SECONDS = 1;

type Accepted = Parameters<RecentEvents['add']>[0];

/**
 * Registers POST /v1/events and the body parsers it needs (JSON, JSON arrays, NDJSON; nothing
 * else). Answers 202 only once every event of the request is in the spool; 400 with the lines
 * at fault, 413 for too many events, 429 with Retry-After under backpressure, 503 when the
 * spool fails or the collector is shutting down. A request is refused whole, or the ids of
 * the events accepted before the first refused line are listed.
 */
export function postEventsRoute(app: FastifyInstance, context: CollectorContext, preHandler: ReturnType<typeof authGuard>): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...JSON_TYPES, ...NDJSON_TYPES], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/v1/events', { preHandler }, (request, reply) => postEvents(context, request, reply));
}

function postEvents(context: CollectorContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { config, sluice, metrics } = context;
  if (context.isStopping()) return refuse(reply, 503, 'shutting_down', 'The collector is shutting down; send to another instance or try again after it restarts.');
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return refuse(reply, 415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported: send the body uncompressed. Nothing was accepted.`);
  }
  const body = typeof request.body === 'string' ? request.body : '';
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const parsed = parseEvents(body, NDJSON_TYPES.includes(mediaType), config.limits);
  if (!parsed.ok) {
    if (parsed.tooMany) {
      metrics.rejected('too_many_events', parsed.count);
      return refuse(reply, 413, 'too_many_events', `The request holds more than ${config.limits.eventsPerRequest} events (limits.eventsPerRequest): split it. Nothing was accepted.`);
    }
    metrics.rejected('invalid', parsed.count);
    return reply.code(400).send({
      error: 'invalid_events',
      message: `${parsed.count} event(s) are invalid; nothing of the request was accepted. Fix the lines listed and send the request again.`,
      errors: parsed.errors,
    });
  }
  const { events } = parsed;
  if (events.length === 0) return refuse(reply, 400, 'no_events', 'The body holds no event. Send a JSON event, a JSON array of events, or NDJSON lines.');
  // An event's record is never longer than its JSON in the body, so this request fits
  // whole or is refused whole: a client never has to work out which part was accepted.
  if (sluice.pendingBytes + body.length > context.maxPendingBytes) {
    context.backpressured();
    return tooBusy(context, reply, events.length);
  }
  const ids: string[] = [];
  const accepted: Array<Accepted[number]> = [];
  const keepFrom = events.length - config.inspector.recentEvents;
  const errors: LineError[] = [];
  for (let i = 0; i < events.length; i += 1) {
    const { destination, bucket, prefix, payload, id } = events[i] as (typeof events)[number];
    let receipt;
    try {
      receipt = sluice.sendTo(destination, id === undefined ? { bucket, prefix, payload } : { bucket, prefix, payload, id });
    } catch (error) {
      if (error instanceof EventTooLargeError || error instanceof SerializationError || error instanceof ValidationError) {
        errors.push({ line: i + 1, error: 'invalid_event', message: error.message });
        continue;
      }
      record(context, ids.length, body.length, accepted);
      if (error instanceof BackpressureError) {
        context.backpressured();
        return tooBusy(context, reply, events.length - i, ids, i + 1);
      }
      if (error instanceof SpoolError) {
        context.setSpoolFailure(error.message);
        metrics.rejected('spool', events.length - i);
        return reply.code(503).send({ error: 'spool_failed', message: `${error.message} Lines from ${i + 1} on were not accepted; the ids of those before are listed.`, accepted: ids.length, ids, firstRejectedLine: i + 1 });
      }
      if (error instanceof ClosedError) return refuse(reply, 503, 'shutting_down', 'The collector is shutting down.');
      throw error;
    }
    ids.push(receipt.id);
    if (i >= keepFrom) accepted.push({ id: receipt.id, acceptedAt: context.clock.now(), destination, bucket, prefix, route: s3RouteId(bucket, prefix), payload });
  }
  context.setSpoolFailure(undefined);
  record(context, ids.length, body.length, accepted);
  if (errors.length > 0) {
    metrics.rejected('invalid', errors.length);
    return reply.code(400).send({ error: 'invalid_events', message: `${ids.length} event(s) were accepted (ids listed) and ${errors.length} were not: send only the lines in errors again.`, accepted: ids.length, ids, errors });
  }
  return reply.code(202).send({ accepted: ids.length, ids });
}

/** Counts `count` accepted events and puts the last of them (`accepted`) in the ring. */
function record(context: CollectorContext, count: number, bytes: number, accepted: Accepted): void {
  if (count === 0) return;
  context.metrics.accepted(count, bytes);
  context.recent.add(accepted);
}

function tooBusy(context: CollectorContext, reply: FastifyReply, refused: number, ids: string[] = [], firstRejectedLine = 1): FastifyReply {
  context.metrics.rejected('backpressure', refused);
  return reply
    .code(429)
    .header('retry-after', String(RETRY_AFTER_SECONDS))
    .send({
      error: 'backpressure',
      message: `The collector holds ${context.sluice.pendingBytes} undelivered bytes, near its limit (sluice.maxPendingBytes): retry after ${RETRY_AFTER_SECONDS} s. ${ids.length === 0 ? 'Nothing of the request was accepted.' : `Lines from ${firstRejectedLine} on were not accepted; the ids of those before are listed.`}`,
      accepted: ids.length,
      ids,
      firstRejectedLine,
    });
}
