import type { Batcher, BatchWindow } from '../batch/Batcher.js';
import type { RetryOptions } from '../config.js';
import type { Destination } from '../destination/Destination.js';
import type { Logger } from '../log/Logger.js';
import type { RouteHealth } from '../pipeline/RouteHealth.js';
import type { SluiceEvents } from '../pipeline/SluiceEvents.js';
import type { Spool } from '../spool/Spool.js';
import type { Clock } from '../time/Clock.js';

/** One record send() accepted, validated and encoded, as an {@link Intake} receives it. */
export interface IntakeRecord {
  readonly destination: string;
  readonly routeId: string;
  /** The route's target; survives JSON.stringify (S3: bucket and prefix). */
  readonly target: unknown;
  /** The encoded record, with its terminator. */
  readonly record: string;
  /** When send() accepted it (the sluice's clock), or its event time with an EventTime extractor. */
  readonly time: number;
  /** The destination's batcher window of `time`. */
  readonly window: BatchWindow;
}

/** A destination as the sluice runs it, for an intake that delivers batches itself. */
export interface IntakeDestination {
  readonly destination: Destination;
  readonly batcher: Batcher;
}

/** What the sluice hands an intake when it starts. */
export interface IntakeContext {
  readonly destinations: readonly IntakeDestination[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** The sluice's spool: with `takesSpool`, the intake's to recover at start and to use. */
  readonly spool: Spool;
  /** The sluice's retry policy and dead-letter delay, for an intake that delivers batches itself. */
  readonly retry: RetryOptions;
  readonly deadLetterAfterMs: number;
  /** How long the intake may keep what it holds per route (its state, its health counters) for a route left idle. */
  readonly forgetIdleRoutesAfterMs: number;
  /** Emits one of the sluice's events (`delivered`, `deliveryError`, `deadLetter`) for what the intake delivered or gave up on. */
  readonly emit: <K extends IntakeEventName>(name: K, ...args: SluiceEvents[K]) => void;
}

/** The sluice events an intake that delivers batches itself emits. */
export type IntakeEventName = 'delivered' | 'deliveryError' | 'deadLetter';

/**
 * Where accepted records go instead of this process's own batches, when bound to the INTAKE
 * token: fleet mode (`@sluice/redis`) appends them to a shared log, and whichever process
 * owns a part of that log batches and uploads them. Unbound (the default), every process
 * batches alone.
 *
 * Guarantees the sluice relies on: `accept` is synchronous and cheap, and either takes the
 * record or throws a SluiceError (BackpressureError past the intake's backlog) having taken
 * nothing; `flush` resolves once every record accepted before the call has reached the
 * intake's durable point.
 */
export interface Intake {
  /**
   * Optional: true if the intake recovers what a durable spool holds at start (and may keep
   * accepted records in it); the sluice then neither recovers nor delivers the spool's batches
   * itself. Read once, before `start`. Default: false.
   */
  readonly takesSpool?: boolean;
  /** Called once, when the sluice is built, before the first `accept`. */
  start(context: IntakeContext): void;
  /**
   * Takes one record. Returns a promise-maker for the moment it reaches the durable point,
   * called only if someone asks (so a caller who does not pays for no promise).
   */
  accept(record: IntakeRecord): () => Promise<void>;
  /** Resolves once everything accepted so far has reached the durable point. */
  flush(): Promise<void>;
  /** Resolves when accept() takes records again after a BackpressureError. */
  ready(): Promise<void>;
  /** Bytes accepted and not yet at the durable point. */
  readonly pendingBytes: number;
  /**
   * Optional: per-route figures of this process's part in the intake (what it has not yet
   * brought to the durable point, what it delivered), listed by `health()` after the sluice's own.
   */
  health?(): RouteHealth[];
  /** Persists what is accepted, then stops everything the intake runs. Safe to call twice. */
  close(): Promise<void>;
}
