import { accessSync, constants as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ContainerModule } from 'inversify';
import { CLOCK, createSluice, ShutdownTimeoutError, SystemClock, type Clock, type Sluice } from '@sluice/core';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { s3Module } from '@sluice/s3';
import { fileSpoolModule } from '@sluice/spool-file';
import type { CollectorConfig } from '../config.js';
import { viewOf } from '../inspector/RecentEvent.js';
import { RecentEvents } from '../inspector/RecentEvents.js';
import { LiveFeed } from '../inspector/LiveFeed.js';
import { inspectorFiles } from '../inspector/inspectorFiles.js';
import { authGuard } from './authGuard.js';
import type { CollectorContext } from './CollectorContext.js';
import { createCollectorApp, SECURITY_HEADERS } from './createCollectorApp.js';
import { Metrics } from './Metrics.js';
import { postEventsRoute } from './postEventsRoute.js';
import { statusRoutes } from './statusRoutes.js';

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
    const context: CollectorContext = {
      config: this.config,
      sluice: this.sluice,
      clock: this.#clock,
      metrics: this.#metrics,
      recent: this.#recent,
      maxPendingBytes: this.#maxPendingBytes,
      isStopping: () => this.#stopping,
      backpressured: () => void (this.#backpressured = true),
      setSpoolFailure: (message) => void (this.#spoolFailure = message),
      notReady: () => this.#notReady(),
    };
    const app = createCollectorApp(this.config.limits, this.#metrics);
    const requireAuth = authGuard(this.config.auth, this.#metrics);
    postEventsRoute(app, context, requireAuth);
    statusRoutes(app, context, requireAuth);
    if (this.config.inspector.enabled) {
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
}
