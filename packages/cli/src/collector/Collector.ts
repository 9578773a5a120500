import { accessSync, constants as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ContainerModule } from 'inversify';
import {
  BackpressureError,
  CLOCK,
  ClosedError,
  createSluice,
  EventTooLargeError,
  SerializationError,
  ShutdownTimeoutError,
  SpoolError,
  SystemClock,
  ValidationError,
  type Clock,
  type Sluice,
} from '@sluice/core';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { s3Module } from '@sluice/s3';
import { fileSpoolModule } from '@sluice/spool-file';
import type { CollectorConfig } from '../config.js';
import { viewOf } from '../inspector/RecentEvent.js';
import { RecentEvents } from '../inspector/RecentEvents.js';
import { LiveFeed } from '../inspector/LiveFeed.js';
import { inspectorFiles } from '../inspector/inspectorFiles.js';
import { bearerAuth } from './bearerAuth.js';
import { Metrics } from './Metrics.js';
import { parseEvents, type LineError } from './parseEvents.js';
import { s3RouteId } from './s3RouteId.js';

/** Programmatic options of {@link Collector.start} besides the config. */
export interface CollectorOptions {
  /** Time of the sluice and of the inspector's rows. Default: the system clock. */
  readonly clock?: Clock;
  /** Container modules loaded before the collector's own (their bindings win). */
  readonly modules?: readonly ContainerModule[];
}

/** What {@link Collector.close} achieved. */
export interface ShutdownReport {
  /** Everything accepted was delivered before the deadline. */
  readonly drained: boolean;
  /** Events still undelivered at the deadline. */
  readonly undeliveredEvents: number;
  /** Whether those events are on disk for the next start (file spool) or lost (memory spool). */
  readonly kept: boolean;
}

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];
const JSON_TYPES = ['application/json'];
/** Seconds a client told 429 should wait; the gate opens again within a batch upload or two. */
const RETRY_AFTER_SECONDS = 1;
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `sluice serve`: an HTTP collector in front of a sluice. POST /v1/events accepts JSON, JSON
 * arrays and NDJSON and answers 202 only once every event of the request is in the spool
 * (on disk with the default file spool); GET /v1/events/:id, /healthz, /readyz, /metrics and
 * the inspector page at /. Built on fastify for its content-type parsing, body limit, timeouts
 * and graceful close; events are validated with core's shared ajv schemas, not fastify's.
 */
export class Collector {
  readonly #app: FastifyInstance;
  readonly #recent: RecentEvents;
  readonly #feed: LiveFeed;
  readonly #metrics: Metrics;
  readonly #clock: Clock;
  #url = '';
  #stopping = false;
  #closing: Promise<ShutdownReport> | undefined;
  /** Set when a request is refused for backpressure; cleared by the sluice's `ready` event or a delivery. */
  #backpressured = false;
  /** The last spool failure of a send, cleared by the next event stored. */
  #spoolFailure: string | undefined;
  readonly #maxPendingBytes: number;

  private constructor(
    readonly config: CollectorConfig,
    /** The sluice events are sent to. */
    readonly sluice: Sluice,
    clock: Clock,
  ) {
    this.#clock = clock;
    this.#maxPendingBytes = config.sluice.maxPendingBytes ?? Number.POSITIVE_INFINITY;
    this.#metrics = new Metrics(sluice);
    const capacity = config.inspector.recentEvents;
    this.#feed = new LiveFeed(() => ({ events: this.#recent.list().map(viewOf), stats: this.#stats(), capacity }), () => this.#stats(), capacity);
    this.#recent = new RecentEvents(capacity, (id) => sluice.deliveredCount(id), ({ added, updated }) => this.#feed.changed(added, updated));
    sluice.on('delivered', (event) => {
      this.#metrics.delivered(event);
      this.#recent.delivered(event);
      // A request refused before it reached the gate gets no 'ready' event: a delivery that
      // brings the pending bytes down to where the gate reopens ends that backpressure too.
      if (this.#backpressured && sluice.pendingBytes <= this.#maxPendingBytes * 0.75) this.#backpressured = false;
    });
    sluice.on('deliveryError', (event) => {
      this.#metrics.retried();
      this.#recent.deliveryError(event);
    });
    sluice.on('deadLetter', (letter) => {
      this.#metrics.deadLettered();
      this.#recent.deadLetter(letter);
    });
    sluice.on('ready', () => void (this.#backpressured = false));
    this.#app = this.#buildApp();
  }

  /**
   * Creates the sluice (file spool by default, S3 destination) and listens. Throws
   * ValidationError for a bad config, SpoolError when the spool folder is held by another
   * process or unusable, and the listen error (EADDRINUSE) as it is.
   */
  static async start(config: CollectorConfig, options: CollectorOptions = {}): Promise<Collector> {
    const clock = options.clock ?? new SystemClock();
    const { type, ...spool } = config.spool;
    const sluice = createSluice({
      ...config.sluice,
      handleSignals: false,
      drainOnExit: false,
      modules: [
        new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)),
        ...(options.modules ?? []),
        ...(type === 'file' ? [fileSpoolModule({ ...spool, directory: path.resolve(spool.directory ?? '.sluice/spool') })] : []),
        minuteBatcherModule(config.batch),
        s3Module(config.s3),
      ],
    });
    const collector = new Collector(config, sluice, clock);
    try {
      await collector.#app.listen({ host: config.listen.host, port: config.listen.port });
    } catch (error) {
      await sluice.close({ timeoutMs: 1 }).catch(() => {});
      throw error;
    }
    const address = collector.#app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    collector.#url = `http://${host}:${address.port}`;
    return collector;
  }

  /** The collector's base URL, e.g. `http://127.0.0.1:8080`. */
  get url(): string {
    return this.#url;
  }

  /**
   * Graceful shutdown: stops listening and ends the inspector's streams, lets requests in
   * flight finish (their events are accepted), then delivers for at most `timeoutMs`. What is
   * undelivered then stays in the file spool for the next start. Safe to call twice.
   */
  close(timeoutMs = this.config.shutdownTimeoutMs): Promise<ShutdownReport> {
    this.#closing ??= (async () => {
      this.#stopping = true;
      this.#feed.close();
      await this.#app.close();
      try {
        await this.sluice.close({ timeoutMs });
        return { drained: true, undeliveredEvents: 0, kept: true };
      } catch (error) {
        if (!(error instanceof ShutdownTimeoutError)) throw error;
        return { drained: false, undeliveredEvents: error.pendingEvents, kept: this.config.spool.type === 'file' };
      }
    })();
    return this.#closing;
  }

  #stats() {
    const health = this.sluice.health();
    return {
      pendingBytes: this.sluice.pendingBytes,
      pendingEvents: health.reduce((sum, route) => sum + route.pendingEvents, 0),
      deadLetters: this.sluice.deadLetters().length,
      ready: this.#notReady().length === 0,
    };
  }

  /** Why the collector should not get traffic now; empty when ready. */
  #notReady(): string[] {
    const reasons: string[] = [];
    if (this.#stopping) reasons.push('shutting down');
    const limit = this.#maxPendingBytes;
    if (this.#backpressured || this.sluice.pendingBytes > limit * 0.75) {
      reasons.push(`backpressure: ${this.sluice.pendingBytes} bytes pending of ${limit} (sluice.maxPendingBytes)`);
    }
    if (this.#spoolFailure) reasons.push(`spool: ${this.#spoolFailure}`);
    const { type, directory } = this.config.spool;
    if (type === 'file') {
      try {
        accessSync(path.resolve(directory ?? '.sluice/spool'), fs.W_OK);
      } catch (error) {
        reasons.push(`spool folder unusable: ${(error as Error).message}`);
      }
    }
    return reasons;
  }

  #buildApp(): FastifyInstance {
    const { limits, auth, inspector } = this.config;
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
      clientErrorHandler: (error, socket) => this.#clientError(error as NodeJS.ErrnoException, socket),
    });
    const authorize = bearerAuth(auth.tokens);
    const requireAuth = async (request: FastifyRequest, reply: FastifyReply) => {
      const verdict = authorize(request.headers.authorization, request.socket.remoteAddress);
      if (verdict === 'ok' && auth.tokens.length === 0 && !LOOPBACK_HOSTS.has(hostname(request.headers.host))) {
        // Without tokens only this machine may call; a page that rebinds its DNS name to
        // 127.0.0.1 would otherwise read the events.
        return this.#refuse(reply, 403, 'forbidden_host', `Host ${JSON.stringify(request.headers.host)} is not a loopback name; without auth.tokens the collector answers only to localhost, 127.0.0.1 and [::1].`);
      }
      if (verdict === 'ok') return;
      this.#metrics.rejected('unauthorized', 1);
      const message = {
        missing: 'An Authorization: Bearer <token> header is required.',
        invalid: 'The bearer token is not one of auth.tokens.',
        not_loopback: 'No auth.tokens are configured, so only clients on this machine (loopback) may call; configure auth.tokens to accept others.',
      }[verdict];
      void reply.header('www-authenticate', 'Bearer realm="sluice"');
      return this.#refuse(reply, 401, 'unauthorized', message);
    };

    app.addHook('onSend', async (_request, reply, payload) => {
      void reply.headers(SECURITY_HEADERS);
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
      return payload;
    });
    app.addHook('onResponse', async (_request, reply) => this.#metrics.request(reply.statusCode));
    app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, _request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        this.#metrics.rejected('body_too_large', 1);
        return this.#refuse(reply, 413, 'body_too_large', `The body is over the limit of ${limits.bodyBytes} bytes (limits.bodyBytes): send fewer events per request. Nothing of it was accepted.`);
      }
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
        return this.#refuse(reply, 415, 'unsupported_media_type', `Send events as application/json (an event or an array) or application/x-ndjson (one event per line). Nothing was accepted.`);
      }
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      return this.#refuse(reply, status, status === 500 ? 'internal_error' : 'bad_request', error.message);
    });
    app.setNotFoundHandler((request, reply) => this.#refuse(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
    app.removeAllContentTypeParsers();
    app.addContentTypeParser([...JSON_TYPES, ...NDJSON_TYPES], { parseAs: 'string' }, (_request, body, done) => done(null, body));

    app.post('/v1/events', { preHandler: requireAuth }, (request, reply) => this.#postEvents(request, reply));
    app.get('/v1/events/:id', { preHandler: requireAuth }, (request, reply) => this.#getEvent((request.params as { id: string }).id, reply));
    app.get('/healthz', () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const reasons = this.#notReady();
      return reply.code(reasons.length === 0 ? 200 : 503).send({ ready: reasons.length === 0, reasons });
    });
    app.get('/metrics', { preHandler: requireAuth }, async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(this.#metrics.render()),
    );
    if (inspector.enabled) {
      for (const [route, file] of Object.entries(inspectorFiles())) {
        app.get(route, async (_request, reply) => reply.type(file.type).header('cache-control', 'no-cache').send(file.body));
      }
      app.get('/v1/inspector/stream', { preHandler: requireAuth }, (request, reply) => {
        void reply.hijack();
        reply.raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
        this.#feed.attach(reply.raw);
        request.raw.socket.setTimeout(0);
      });
    }
    return app;
  }

  #postEvents(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (this.#stopping) return this.#refuse(reply, 503, 'shutting_down', 'The collector is shutting down; send to another instance or try again after it restarts.');
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      return this.#refuse(reply, 415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported: send the body uncompressed. Nothing was accepted.`);
    }
    const body = typeof request.body === 'string' ? request.body : '';
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const parsed = parseEvents(body, NDJSON_TYPES.includes(mediaType), this.config.limits);
    if (!parsed.ok) {
      if (parsed.tooMany) {
        this.#metrics.rejected('too_many_events', parsed.count);
        return this.#refuse(reply, 413, 'too_many_events', `The request holds more than ${this.config.limits.eventsPerRequest} events (limits.eventsPerRequest): split it. Nothing was accepted.`);
      }
      this.#metrics.rejected('invalid', parsed.count);
      return reply.code(400).send({
        error: 'invalid_events',
        message: `${parsed.count} event(s) are invalid; nothing of the request was accepted. Fix the lines listed and send the request again.`,
        errors: parsed.errors,
      });
    }
    const { events } = parsed;
    if (events.length === 0) return this.#refuse(reply, 400, 'no_events', 'The body holds no event. Send a JSON event, a JSON array of events, or NDJSON lines.');
    const limit = this.#maxPendingBytes;
    // An event's record is never longer than its JSON in the body, so this request fits
    // whole or is refused whole: a client never has to work out which part was accepted.
    if (this.sluice.pendingBytes + body.length > limit) {
      this.#backpressured = true;
      return this.#tooBusy(reply, events.length);
    }
    const ids: string[] = [];
    const accepted: Array<Parameters<RecentEvents['add']>[0][number]> = [];
    const keepFrom = events.length - this.config.inspector.recentEvents;
    const errors: LineError[] = [];
    for (let i = 0; i < events.length; i += 1) {
      const { destination, bucket, prefix, payload, id } = events[i] as (typeof events)[number];
      let receipt;
      try {
        receipt = this.sluice.sendTo(destination, id === undefined ? { bucket, prefix, payload } : { bucket, prefix, payload, id });
      } catch (error) {
        if (error instanceof EventTooLargeError || error instanceof SerializationError || error instanceof ValidationError) {
          errors.push({ line: i + 1, error: 'invalid_event', message: error.message });
          continue;
        }
        this.#record(ids.length, body.length, accepted);
        if (error instanceof BackpressureError) {
          this.#backpressured = true;
          return this.#tooBusy(reply, events.length - i, ids, i + 1);
        }
        if (error instanceof SpoolError) {
          this.#spoolFailure = error.message;
          this.#metrics.rejected('spool', events.length - i);
          return reply.code(503).send({ error: 'spool_failed', message: `${error.message} Lines from ${i + 1} on were not accepted; the ids of those before are listed.`, accepted: ids.length, ids, firstRejectedLine: i + 1 });
        }
        if (error instanceof ClosedError) return this.#refuse(reply, 503, 'shutting_down', 'The collector is shutting down.');
        throw error;
      }
      ids.push(receipt.id);
      if (i >= keepFrom) accepted.push({ id: receipt.id, acceptedAt: this.#clock.now(), destination, bucket, prefix, route: s3RouteId(bucket, prefix), payload });
    }
    this.#spoolFailure = undefined;
    this.#record(ids.length, body.length, accepted);
    if (errors.length > 0) {
      this.#metrics.rejected('invalid', errors.length);
      return reply.code(400).send({ error: 'invalid_events', message: `${ids.length} event(s) were accepted (ids listed) and ${errors.length} were not: send only the lines in errors again.`, accepted: ids.length, ids, errors });
    }
    return reply.code(202).send({ accepted: ids.length, ids });
  }

  /** Counts `count` accepted events and puts the last of them (`accepted`) in the ring. */
  #record(count: number, bytes: number, accepted: Parameters<RecentEvents['add']>[0]): void {
    if (count === 0) return;
    this.#metrics.accepted(count, bytes);
    this.#recent.add(accepted);
  }

  #tooBusy(reply: FastifyReply, refused: number, ids: string[] = [], firstRejectedLine = 1): FastifyReply {
    this.#metrics.rejected('backpressure', refused);
    return reply
      .code(429)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .send({
        error: 'backpressure',
        message: `The collector holds ${this.sluice.pendingBytes} undelivered bytes, near its limit (sluice.maxPendingBytes): retry after ${RETRY_AFTER_SECONDS} s. ${ids.length === 0 ? 'Nothing of the request was accepted.' : `Lines from ${firstRejectedLine} on were not accepted; the ids of those before are listed.`}`,
        accepted: ids.length,
        ids,
        firstRejectedLine,
      });
  }

  #getEvent(id: string, reply: FastifyReply): FastifyReply {
    const event = this.#recent.get(id);
    const dest = this.sluice.deliveredCount(id);
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
    return this.#refuse(reply, 404, 'not_found', `No event ${JSON.stringify(id)} among the recent events or the delivery ledger: it is unknown, or older than both (inspector.recentEvents, sluice.ledgerCapacity).`);
  }

  #refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
    return reply.code(status).send({ error, message });
  }

  /** Answers errors Node's HTTP parser raises before a request exists (slow or malformed clients). */
  #clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable) return void socket.destroy();
    const [status, text, message] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', `The request was not received whole within ${this.config.limits.requestTimeoutMs} ms (limits.requestTimeoutMs); nothing of it was accepted.`]
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'The request headers are too large.']
          : [400, 'Bad Request', `The request is not valid HTTP (${error.code ?? 'parse error'}).`];
    this.#metrics.request(status);
    const body = JSON.stringify({ error: text.toLowerCase().replaceAll(' ', '_'), message });
    socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
}

/** The host name of a Host header, without the port. */
function hostname(host: string | undefined): string {
  if (!host) return '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}
