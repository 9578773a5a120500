import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BackpressureError, ClosedError, RawJson, type RefusedSend, type SendManyResult } from '@sluice/core';
import { BodyPayload } from '../inspector/BodyPayload.js';
import { newRecentEvent } from '../inspector/RecentEvent.js';
import type { RecentEvents } from '../inspector/RecentEvents.js';
import type { authGuard } from './authGuard.js';
import type { CollectorContext } from './CollectorContext.js';
import type { EventEnvelope } from './eventEnvelopeSchema.js';
import { bodyText, parseEvents, type LineError } from './parseEvents.js';
import { refuse } from './refuse.js';
import { s3RouteId } from './s3RouteId.js';
import { SendCoalescer } from './SendCoalescer.js';

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];
const JSON_TYPES = ['application/json'];
/**
 * Requests of fewer events wait for the end of the event-loop turn to share one `sendMany`;
 * larger ones already make a spool write worth its cost and are sent at once.
 */
const COALESCE_BELOW_EVENTS = 100;
/** Seconds a client told 429 should wait; the gate opens again within a batch upload or two. */
const RETRY_AFTER_SECONDS = 1;

type Accepted = Parameters<RecentEvents['add']>[0];

/**
 * Registers POST /v1/events and the body parsers it needs (JSON, JSON arrays, NDJSON; nothing
 * else). 202 means every event of the request is in the spool, and nothing less: a line
 * that is not JSON, too long or not a valid envelope refuses the whole request (400, nothing
 * accepted). Past that, events go to the sluice with one `sendMany` (one spool write per run
 * of a route) and any other answer says per line what happened: `errors` lists the lines the
 * sluice refused for their content (400), `firstRejectedLine` where it stopped (429 with
 * Retry-After under backpressure, 503 when the spool failed): nothing from that line on was
 * accepted, and a failed write leaves none of its lines half stored. `ids` are the ids of the
 * accepted lines, in order: every line before `firstRejectedLine` not listed in `errors`.
 * The small requests of one event-loop turn share one `sendMany` (see SendCoalescer); each
 * is answered as if sent alone, after the ones before it.
 */
export function postEventsRoute(app: FastifyInstance, context: CollectorContext, preHandler: ReturnType<typeof authGuard>): void {
  app.removeAllContentTypeParsers();
  // Bytes, not text: an NDJSON body of ASCII is read without decoding it (see bodyText).
  app.addContentTypeParser([...JSON_TYPES, ...NDJSON_TYPES], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // Every event goes to "s3", the one destination the collector installs. The small requests
  // of one turn of the event loop are sent together: one spool write for many one-event requests.
  const coalescer = new SendCoalescer((items) => context.sluice.sendMany('s3', items));
  app.post('/v1/events', { preHandler }, (request, reply) => postEvents(context, coalescer, request, reply));
}

function postEvents(context: CollectorContext, coalescer: SendCoalescer, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const { config, sluice, metrics } = context;
  if (context.isStopping()) return refuse(reply, 503, 'shutting_down', 'The collector is shutting down; send to another instance or try again after it restarts.');
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return refuse(reply, 415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported: send the body uncompressed. Nothing was accepted.`);
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const ndjson = NDJSON_TYPES.includes(mediaType);
  // Its length is in characters either way (an ASCII body has a character per byte).
  const body = Buffer.isBuffer(request.body) ? bodyText(request.body, ndjson) : '';
  const parsed = parseEvents(body, ndjson, config.limits);
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
  const { events, lines, spans } = parsed;
  if (events.length === 0) return refuse(reply, 400, 'no_events', 'The body holds no event. Send a JSON event, a JSON array of events, or NDJSON lines.');
  // An event's record is never longer than its JSON in the body, so this request fits
  // whole or is refused whole: a client never has to work out which part was accepted.
  if (sluice.pendingBytes + coalescer.queuedBytes + body.length > context.maxPendingBytes) {
    context.backpressured();
    return tooBusy(context, reply, events.length);
  }
  const items = new Array<object>(events.length);
  for (let i = 0; i < events.length; i += 1) {
    const { bucket, prefix, payload, id } = events[i] as EventEnvelope;
    items[i] = id === undefined ? { bucket, prefix, payload } : { bucket, prefix, payload, id };
  }
  coalescer.add(items, body.length, (result, error) => {
    if (result) answer(context, reply, events, lines, body, spans, result);
    else if (error instanceof ClosedError) refuse(reply, 503, 'shutting_down', 'The collector is shutting down.');
    else void reply.send(error);
  }, items.length >= COALESCE_BELOW_EVENTS);
  return undefined;
}

/** Answers a request once its events were sent: 202, or per line what happened. */
function answer(context: CollectorContext, reply: FastifyReply, events: readonly EventEnvelope[], lines: readonly number[], body: string | Buffer, spans: readonly number[] | undefined, result: SendManyResult): FastifyReply {
  const { metrics } = context;
  const { ids, refused, stopped } = result;
  const end = stopped?.index ?? events.length;
  record(context, ids.length, body.length, recentOf(context, events, ids, refused, end, body, spans));
  const errors: LineError[] = refused.map(({ index, error }) => ({ line: lines[index] as number, error: 'invalid_event', message: error.message }));
  if (stopped) {
    const firstRejectedLine = lines[end] as number;
    if (stopped.error instanceof BackpressureError) {
      context.backpressured();
      return tooBusy(context, reply, events.length - end, ids, firstRejectedLine, errors);
    }
    context.setSpoolFailure(stopped.error.message);
    metrics.rejected('spool', events.length - end);
    return reply.code(503).send({
      error: 'spool_failed',
      message: `${stopped.error.message} Lines from ${firstRejectedLine} on were not accepted (none of them half stored); the ids of the accepted lines before are listed.`,
      accepted: ids.length,
      ids,
      firstRejectedLine,
      errors,
    });
  }
  context.setSpoolFailure(undefined);
  if (errors.length > 0) {
    metrics.rejected('invalid', errors.length);
    return reply.code(400).send({ error: 'invalid_events', message: `${ids.length} event(s) were accepted (ids listed) and ${errors.length} were not: send only the lines in errors again.`, accepted: ids.length, ids, errors });
  }
  return reply.code(202).send({ accepted: ids.length, ids });
}

/**
 * The accepted events of a request, for the inspector's ring: at most its capacity, the last
 * ones. Accepted are those before `end` that were not refused, in order, with `ids` theirs.
 * `spans` are where the payloads lie in `body` when it was read as bytes.
 */
function recentOf(context: CollectorContext, events: readonly EventEnvelope[], ids: readonly string[], refused: readonly RefusedSend[], end: number, body: string | Buffer, spans: readonly number[] | undefined): Accepted {
  const capacity = context.config.inspector.recentEvents;
  const acceptedAt = context.clock.now();
  const recent: Array<Accepted[number]> = [];
  // A payload kept as text may point into the request body. Events that fill the ring hold
  // that one body (a body read as bytes: their payloads' spans of it, see BodyPayload); fewer
  // share the ring with other requests' events, and keep copies of their own, so the ring
  // never holds a body per event.
  const detach = ids.length < capacity;
  const bytes = !detach && spans && typeof body !== 'string' ? body : undefined;
  let routeOf: { bucket: string; prefix: string; route: string } | undefined;
  let r = refused.length - 1;
  while (r >= 0 && (refused[r] as RefusedSend).index >= end) r -= 1;
  for (let i = end - 1, j = ids.length - 1; i >= 0 && j >= 0 && recent.length < capacity; i -= 1) {
    if (r >= 0 && (refused[r] as RefusedSend).index === i) {
      r -= 1;
      continue;
    }
    const { destination, bucket, prefix, payload } = events[i] as EventEnvelope;
    // Lines mostly share their route: worked out once per run of them.
    if (routeOf?.bucket !== bucket || routeOf.prefix !== prefix) routeOf = { bucket, prefix, route: s3RouteId(bucket, prefix) };
    const start = bytes ? (spans?.[2 * i] ?? -1) : -1;
    const shown = bytes && start >= 0 ? new BodyPayload(bytes, start, spans?.[2 * i + 1] ?? start) : detach && payload instanceof RawJson ? payload.detached() : payload;
    recent.push(newRecentEvent(ids[j] as string, acceptedAt, destination, bucket, prefix, routeOf.route, shown));
    j -= 1;
  }
  return recent.reverse();
}

/** Counts `count` accepted events and puts the last of them (`accepted`) in the ring. */
function record(context: CollectorContext, count: number, bytes: number, accepted: Accepted): void {
  if (count === 0) return;
  context.metrics.accepted(count, bytes);
  context.recent.add(accepted);
}

function tooBusy(context: CollectorContext, reply: FastifyReply, refused: number, ids: string[] = [], firstRejectedLine = 1, errors: LineError[] = []): FastifyReply {
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
      ...(errors.length > 0 ? { errors } : {}),
    });
}
