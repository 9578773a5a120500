import { inject, injectable } from 'inversify';
import { type Clock, type Intake, type IntakeContext, type IntakeRecord, type RouteHealth, SluiceError } from '@sluice/core';
import type { FleetOptions } from '../config.js';
import { FLEET_OPTIONS } from '../di/tokens.js';
import { FleetFlusher } from '../flusher/FleetFlusher.js';
import { FleetRouteStats } from '../flusher/FleetRouteStats.js';
import { emptyFleetStats, type FleetStats } from '../flusher/FleetStats.js';
import { SpoolInFront } from '../producer/SpoolInFront.js';
import { StreamAppender } from '../producer/StreamAppender.js';
import { FleetRedis } from '../redis/FleetRedis.js';
import type { Fleet } from './Fleet.js';

/**
 * Fleet mode as the sluice sees it: the producer side (StreamAppender) takes what send()
 * accepted, the flusher side (FleetFlusher) owns shards and uploads, over one Redis client.
 */
@injectable()
export class RedisIntake implements Intake, Fleet {
  readonly #options: FleetOptions;
  readonly #stats = emptyFleetStats();
  /** Replaced in start() by one that forgets idle routes after the sluice's forgetIdleRoutesAfterMs. */
  #routeStats = new FleetRouteStats(Number.POSITIVE_INFINITY);
  #clock: Clock | undefined;
  #redis: FleetRedis | undefined;
  #appender: StreamAppender | undefined;
  #flusher: FleetFlusher | undefined;
  #closing: Promise<void> | undefined;

  constructor(@inject(FLEET_OPTIONS) options: FleetOptions) {
    this.#options = options;
  }

  /** A producer appends what a durable spool holds; a flusher-only process leaves it to the sluice. */
  get takesSpool(): boolean {
    return this.#options.role !== 'flusher';
  }

  start(context: IntakeContext): void {
    const { options } = { options: this.#options };
    const redis = (this.#redis = new FleetRedis(options.url, options.cluster));
    this.#clock = context.clock;
    this.#routeStats = new FleetRouteStats(context.forgetIdleRoutesAfterMs);
    if (options.role !== 'flusher') {
      const front =
        context.spool.durable === true
          ? { spool: new SpoolInFront(context.spool, options.keyPrefix), installed: new Set(context.destinations.map((entry) => entry.destination.name)) }
          : undefined;
      try {
        this.#appender = new StreamAppender(redis, options, context.logger, { clock: context.clock, forgetAfterMs: context.forgetIdleRoutesAfterMs }, front);
      } catch (error) {
        redis.close();
        throw error;
      }
    }
    if (options.role !== 'producer') {
      this.#flusher = new FleetFlusher({
        redis,
        options,
        destinations: new Map(context.destinations.map((entry) => [entry.destination.name, entry])),
        clock: context.clock,
        logger: context.logger,
        stats: this.#stats,
        routeStats: this.#routeStats,
        delivery: { retry: context.retry, deadLetterAfterMs: context.deadLetterAfterMs, emit: context.emit },
        holdProcess: options.role === 'flusher',
      });
      this.#flusher.start();
    }
  }

  accept(record: IntakeRecord): () => Promise<void> {
    if (!this.#appender) {
      throw new SluiceError('SLUICE_FLEET_ROLE', "This process is a fleet flusher only (role: 'flusher'): it does not send. Use role 'both' or 'producer' in processes that send.");
    }
    return this.#appender.accept(record);
  }

  flush(): Promise<void> {
    return this.#appender?.flush() ?? Promise.resolve();
  }

  ready(): Promise<void> {
    return this.#appender?.ready() ?? Promise.resolve();
  }

  get pendingBytes(): number {
    return this.#appender?.bufferedBytes ?? 0;
  }

  /**
   * Per route: what this process's producer has not yet appended (pending), and what its shard
   * owners delivered (late objects apart) or failed to deliver, within the last hour.
   */
  health(): RouteHealth[] {
    return this.#routeStats.report(this.#appender?.pending() ?? [], this.#clock?.now() ?? Date.now());
  }

  /** What this process's flusher has done so far (a copy). */
  stats(): FleetStats {
    return { ...this.#stats };
  }

  /** The shards this process owns now. */
  ownedShards(): number[] {
    return this.#flusher?.owned() ?? [];
  }

  /** The redacted URL of the Redis this fleet shares. */
  get url(): string {
    return this.#redis?.url ?? '';
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#appender?.close();
      await this.#flusher?.close();
      this.#redis?.close();
    })();
    return this.#closing;
  }
}
