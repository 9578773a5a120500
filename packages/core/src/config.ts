import { randomBytes } from 'node:crypto';
import { ValidationError } from './errors/ValidationError.js';
import { compileValidator } from './validation/ajv.js';

export interface RetryOptions {
  /** First retry delay after a retryable failure. Default: `1000`. */
  readonly initialDelayMs: number;
  /** Cap of the exponential retry delay. Default: `60000`. */
  readonly maxDelayMs: number;
  /**
   * Delay between attempts after an error retrying soon cannot fix (AccessDenied, NoSuchBucket). Default:
   * `300000`.
   */
  readonly permanentErrorDelayMs: number;
}

/** Options of `createSluice()`. Every key has a default; see docs/config-reference.md. */
export interface SluiceOptions {
  /**
   * Identifies this producer in every batch identity (and so in every key hash). Default: 16 random hex
   * characters per process. Set it to a stable value per replica only with a durable spool.
   */
  readonly producerId: string;
  /**
   * Largest encoded event send() accepts, in bytes; a larger one throws EventTooLargeError. Default:
   * `1048576`.
   */
  readonly maxEventBytes: number;
  /**
   * Batches uploaded at the same time, across all destinations, whatever their size. More run at once while
   * they are small: see maxConcurrentSmallUploads. Default: `4`.
   */
  readonly maxConcurrentUploads: number;
  /**
   * Most batches uploaded at the same time when they are small (the records of all uploads in flight within
   * maxUploadBytesInFlight), so a flush of many small objects is limited by the server rather than by
   * maxConcurrentUploads. The limit adapts: it starts at maxConcurrentUploads, grows by one with each stored
   * batch up to this, and halves after each failed attempt. Default: `32`.
   */
  readonly maxConcurrentSmallUploads: number;
  /**
   * Past maxConcurrentUploads, another upload starts only while the uncompressed records of every upload in
   * flight, its own included, stay within this many bytes. Default: `16777216`.
   */
  readonly maxUploadBytesInFlight: number;
  /**
   * Most bytes of records accepted and not yet delivered, across all destinations. Past it send() throws
   * BackpressureError; await sluice.ready() before sending again. Bounds memory whatever the traffic or an
   * outage. Default: `268435456`.
   */
  readonly maxPendingBytes: number;
  /**
   * How long a batch may keep failing before it moves to the dead letters (deadLetters(),
   * replayDeadLetters(); with the file spool, its dead-letter folder). Default: `86400000`.
   */
  readonly deadLetterAfterMs: number;
  /** How many recent event ids the delivery ledger remembers for deliveredCount(). Default: `100000`. */
  readonly ledgerCapacity: number;
  /**
   * Seal and upload open batches when the event loop empties (beforeExit), so a script that forgets close()
   * still delivers. Default: `true`.
   */
  readonly drainOnExit: boolean;
  /**
   * On SIGTERM or SIGINT, close() (waiting at most shutdownTimeoutMs) and then exit. Off by default: an
   * application with its own shutdown calls close() itself. Default: `false`.
   */
  readonly handleSignals: boolean;
  /**
   * Deadline of the close() that handleSignals makes; what is undelivered by then stays in a durable spool
   * for the next start. Default: `30000`.
   */
  readonly shutdownTimeoutMs: number;
  /** Level of the default JSON logger on stderr (ignored when LOGGER is bound). Default: `"warn"`. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * How often a health summary is logged: one line with the number of routes, pending events and bytes, the
   * oldest pending event, dead letters, and the 10 routes with the largest backlog and the 10 failing (level
   * info, warn while anything fails). 0 turns it off. Default: `60000`.
   */
  readonly healthLogIntervalMs: number;
  /**
   * How long health() keeps the counters of a route nothing was delivered to or failed for. Routes with
   * pending events or dead letters are always listed. In fleet mode also how long a producer keeps the state
   * of a route it no longer sends to. Keeps memory flat in a service that writes to ever new prefixes.
   * Default: `3600000`.
   */
  readonly forgetIdleRoutesAfterMs: number;
  /**
   * Backoff of failed uploads. A failed batch is never dropped: it is retried until delivered or closed.
   * Default: `{}`.
   */
  readonly retry: RetryOptions;
}

export type SluiceOptionsInput = Partial<Omit<SluiceOptions, 'retry'>> & { retry?: Partial<RetryOptions> };

export const sluiceOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    producerId: {
      type: 'string',
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description:
        'Identifies this producer in every batch identity (and so in every key hash). Default: 16 random hex characters per process. Set it to a stable value per replica only with a durable spool.',
      'x-fix': 'Use 1 to 64 letters, digits, dots, underscores or dashes.',
    },
    maxEventBytes: {
      type: 'integer',
      minimum: 1,
      default: 1_048_576,
      description: 'Largest encoded event send() accepts, in bytes; a larger one throws EventTooLargeError.',
    },
    maxConcurrentUploads: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: 4,
      description:
        'Batches uploaded at the same time, across all destinations, whatever their size. More run at once while they are small: see maxConcurrentSmallUploads.',
    },
    maxConcurrentSmallUploads: {
      type: 'integer',
      minimum: 1,
      maximum: 1024,
      default: 32,
      description:
        'Most batches uploaded at the same time when they are small (the records of all uploads in flight within maxUploadBytesInFlight), so a flush of many small objects is limited by the server rather than by maxConcurrentUploads. The limit adapts: it starts at maxConcurrentUploads, grows by one with each stored batch up to this, and halves after each failed attempt.',
    },
    maxUploadBytesInFlight: {
      type: 'integer',
      minimum: 1,
      default: 16_777_216,
      description:
        'Past maxConcurrentUploads, another upload starts only while the uncompressed records of every upload in flight, its own included, stay within this many bytes.',
    },
    maxPendingBytes: {
      type: 'integer',
      minimum: 1,
      default: 268_435_456,
      description:
        'Most bytes of records accepted and not yet delivered, across all destinations. Past it send() throws BackpressureError; await sluice.ready() before sending again. Bounds memory whatever the traffic or an outage.',
    },
    deadLetterAfterMs: {
      type: 'integer',
      minimum: 1,
      default: 86_400_000,
      description:
        'How long a batch may keep failing before it moves to the dead letters (deadLetters(), replayDeadLetters(); with the file spool, its dead-letter folder).',
    },
    ledgerCapacity: {
      type: 'integer',
      minimum: 0,
      default: 100_000,
      description: 'How many recent event ids the delivery ledger remembers for deliveredCount().',
    },
    drainOnExit: {
      type: 'boolean',
      default: true,
      description:
        'Seal and upload open batches when the event loop empties (beforeExit), so a script that forgets close() still delivers.',
    },
    handleSignals: {
      type: 'boolean',
      default: false,
      description:
        'On SIGTERM or SIGINT, close() (waiting at most shutdownTimeoutMs) and then exit. Off by default: an application with its own shutdown calls close() itself.',
    },
    shutdownTimeoutMs: {
      type: 'integer',
      minimum: 1,
      default: 30_000,
      description: 'Deadline of the close() that handleSignals makes; what is undelivered by then stays in a durable spool for the next start.',
    },
    logLevel: {
      type: 'string',
      enum: ['debug', 'info', 'warn', 'error', 'silent'],
      default: 'warn',
      description: 'Level of the default JSON logger on stderr (ignored when LOGGER is bound).',
    },
    healthLogIntervalMs: {
      type: 'integer',
      minimum: 0,
      default: 60_000,
      description:
        'How often a health summary is logged: one line with the number of routes, pending events and bytes, the oldest pending event, dead letters, and the 10 routes with the largest backlog and the 10 failing (level info, warn while anything fails). 0 turns it off.',
    },
    forgetIdleRoutesAfterMs: {
      type: 'integer',
      minimum: 1_000,
      default: 3_600_000,
      description:
        "How long health() keeps the counters of a route nothing was delivered to or failed for. Routes with pending events or dead letters are always listed. In fleet mode also how long a producer keeps the state of a route it no longer sends to. Keeps memory flat in a service that writes to ever new prefixes.",
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Backoff of failed uploads. A failed batch is never dropped: it is retried until delivered or closed.',
      properties: {
        initialDelayMs: { type: 'integer', minimum: 1, default: 1_000, description: 'First retry delay after a retryable failure.' },
        maxDelayMs: { type: 'integer', minimum: 1, default: 60_000, description: 'Cap of the exponential retry delay.' },
        permanentErrorDelayMs: {
          type: 'integer',
          minimum: 1,
          default: 300_000,
          description: 'Delay between attempts after an error retrying soon cannot fix (AccessDenied, NoSuchBucket).',
        },
      },
    },
  },
} as const;

const validateOptions = compileValidator<Omit<SluiceOptions, 'producerId'> & { producerId?: string }>(
  'createSluice() options',
  sluiceOptionsSchema,
);

/** Validates options and fills in defaults; throws ValidationError naming each bad field. */
export function parseSluiceOptions(input: SluiceOptionsInput = {}): SluiceOptions {
  const parsed = validateOptions(structuredClone(input));
  if (parsed.maxPendingBytes < parsed.maxEventBytes) {
    throw new ValidationError('createSluice() options', [
      {
        field: '/maxPendingBytes',
        value: parsed.maxPendingBytes,
        rule: `must be at least maxEventBytes (${parsed.maxEventBytes})`,
        fix: 'Otherwise an event of the largest allowed size could never be accepted: raise maxPendingBytes or lower maxEventBytes.',
      },
    ]);
  }
  return { ...parsed, producerId: parsed.producerId ?? randomBytes(8).toString('hex') };
}
