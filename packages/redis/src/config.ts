import { compileValidator } from '@sluice/core';

/** Options of fleet mode. */
export interface FleetOptions {
  /** Redis (or Valkey) to share: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  readonly url: string;
  /** Talk to a Redis Cluster, with `url` as its first node. */
  readonly cluster: boolean;
  /** What this process does: append records (`producer`), own shards and upload (`flusher`), or both. */
  readonly role: 'both' | 'producer' | 'flusher';
  /** Prefix of every key fleet mode writes. */
  readonly keyPrefix: string;
  /** Shards the routes are spread over. Every process of a fleet must agree on it. */
  readonly shards: number;
  readonly appendIntervalMs: number;
  readonly appendChunkBytes: number;
  readonly maxBufferedBytes: number;
  readonly maxBacklogBytes: number;
  readonly leaseMs: number;
  readonly graceMs: number;
  readonly pollIntervalMs: number;
  readonly readCount: number;
}

export type FleetOptionsInput = Partial<FleetOptions> & { readonly url: string };

export const fleetOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: {
      type: 'string',
      pattern: '^rediss?://',
      description: 'The Redis (or Valkey) every process of the fleet shares: redis://[user:password@]host:port[/db], rediss:// for TLS. Its password is never logged or shown in errors.',
      'x-fix': 'Give a URL such as redis://127.0.0.1:6379.',
    },
    cluster: {
      type: 'boolean',
      default: false,
      description: 'Connect to a Redis Cluster with url as its first node. Each shard keeps its keys under one hash tag ({<keyPrefix>:<shard>}), so the shards spread over the masters.',
    },
    role: {
      type: 'string',
      enum: ['both', 'producer', 'flusher'],
      default: 'both',
      description: 'producer: send() appends records to the shared streams. flusher: owns shards (one owner per shard fleet-wide) and uploads one object per destination-window. both: each process does both.',
    },
    keyPrefix: {
      type: 'string',
      minLength: 1,
      pattern: '^[A-Za-z0-9_.-]+$',
      default: 'sluice',
      description: 'Prefix of every Redis key fleet mode writes; two fleets on one Redis need different prefixes.',
    },
    shards: {
      type: 'integer',
      minimum: 1,
      maximum: 4096,
      default: 16,
      description: 'Shards (one stream each) the routes are hashed to. One flusher owns a shard at a time, so shards bound how many flushers share the work. Every process of a fleet must use the same number; changing it needs an empty backlog.',
    },
    appendIntervalMs: {
      type: 'integer',
      minimum: 1,
      default: 100,
      description: 'How often a producer appends what send() accepted to Redis, in chunks per route, pipelined. A producer that crashes loses at most this much (what was not yet appended); receipt.persisted and flush() say when an event is in Redis.',
    },
    appendChunkBytes: {
      type: 'integer',
      minimum: 1024,
      default: 262_144,
      description: 'A producer appends at once, without waiting for the interval, when this many bytes are buffered.',
    },
    maxBufferedBytes: {
      type: 'integer',
      minimum: 1024,
      default: 67_108_864,
      description: 'Bytes a producer holds that Redis does not have yet (Redis slow or away); past it send() throws BackpressureError.',
    },
    maxBacklogBytes: {
      type: 'integer',
      minimum: 1024,
      default: 268_435_456,
      description: 'Record bytes in the streams not yet delivered, fleet-wide; past it send() throws BackpressureError, which keeps Redis memory bounded while S3 is down. Redis holds about 1.06 times this for 450-byte events in chunks (measured), plus its own.',
    },
    leaseMs: {
      type: 'integer',
      minimum: 500,
      default: 5_000,
      description: "How long a shard's lease lasts without renewal (renewed every third of it). A flusher that dies loses its shards to another within about this time plus one poll.",
    },
    graceMs: {
      type: 'integer',
      minimum: 0,
      default: 2_000,
      description: "How long after a window's end its owner waits for records still on their way (producers append every appendIntervalMs) before it seals the window. Records that come later go to a separate late object of the same window. Must exceed appendIntervalMs plus the clock skew between hosts.",
    },
    pollIntervalMs: {
      type: 'integer',
      minimum: 5,
      default: 100,
      description: 'How often an owner reads its shard when it found nothing new.',
    },
    readCount: {
      type: 'integer',
      minimum: 1,
      default: 500,
      description: 'Stream entries an owner reads per request.',
    },
  },
} as const;

const validate = compileValidator<FleetOptions>('fleetModule() options', fleetOptionsSchema);

/** Validates and fills in defaults; throws ValidationError naming the field and the fix. */
export function parseFleetOptions(input: FleetOptionsInput): FleetOptions {
  return validate(structuredClone(input));
}
