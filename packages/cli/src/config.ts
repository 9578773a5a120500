import { compileValidator, sluiceOptionsSchema, type SluiceOptionsInput } from '@sluice/core';
import { minuteBatcherOptionsSchema, type MinuteBatcherOptions } from '@sluice/batcher-minute';
import { s3OptionsSchema, type S3OptionsInput } from '@sluice/s3';
import { fileSpoolOptionsSchema, type FileSpoolOptions } from '@sluice/spool-file';
import { fleetOptionsSchema, type FleetOptionsInput } from '@sluice/redis';

/** The `sluice serve` configuration, as read from `sluice.config.json` and validated. */
export interface CollectorConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly auth: { readonly tokens: readonly string[] };
  readonly limits: {
    readonly bodyBytes: number;
    readonly lineBytes: number;
    readonly eventsPerRequest: number;
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
  readonly spool: { readonly type: 'file' | 'memory' } & Partial<FileSpoolOptions>;
  readonly s3: S3OptionsInput;
  readonly batch: Partial<MinuteBatcherOptions>;
  readonly sluice: Omit<SluiceOptionsInput, 'handleSignals' | 'drainOnExit'>;
  readonly inspector: { readonly enabled: boolean; readonly recentEvents: number };
  readonly shutdownTimeoutMs: number;
  /** Fleet mode, for `sluice flusher` (`sluice serve` does not read it). */
  readonly fleet?: FleetOptionsInput;
}

/** A config as it may be written: every key is optional. */
export type CollectorConfigInput = {
  readonly [K in keyof CollectorConfig]?: CollectorConfig[K] extends readonly unknown[] ? CollectorConfig[K] : Partial<CollectorConfig[K]> | CollectorConfig[K];
};

const MIB = 1024 * 1024;

// The serve command owns signals and exit, so these two core options are not offered.
const { handleSignals: _handleSignals, drainOnExit: _drainOnExit, ...sluiceProperties } = sluiceOptionsSchema.properties;

export const collectorConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    listen: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where the collector listens for HTTP.',
      properties: {
        host: {
          type: 'string',
          minLength: 1,
          default: '127.0.0.1',
          description:
            'Address to listen on. Default: loopback only. Listening on another address (0.0.0.0, a LAN address) requires auth.tokens.',
        },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080, description: 'TCP port; 0 picks a free one.' },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Bearer tokens for POST /v1/events, GET /v1/events/:id, /metrics and the inspector\'s data.',
      properties: {
        tokens: {
          type: 'array',
          items: { type: 'string', minLength: 16 },
          default: [],
          description:
            'Accepted bearer tokens (Authorization: Bearer <token>), compared in constant time. Write them as "${ENV_VAR}" to read them from the environment. Default: none, which is allowed only for clients on loopback.',
          'x-fix': 'Give tokens of at least 16 characters, e.g. "${SLUICE_TOKEN}" with SLUICE_TOKEN=$(openssl rand -hex 24).',
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'What one request may hold and how long it may take.',
      properties: {
        bodyBytes: { type: 'integer', minimum: 1024, default: 16 * MIB, description: 'Largest request body; a larger one gets 413.' },
        lineBytes: {
          type: 'integer',
          minimum: 64,
          default: MIB,
          description: 'Longest NDJSON line (one event); a longer one is reported as a 400 for that line.',
        },
        eventsPerRequest: { type: 'integer', minimum: 1, default: 100_000, description: 'Most events in one request; more get 413.' },
        requestTimeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 30_000,
          description: 'Time a client has to send a whole request (headers and body); a slower one gets 408 and is disconnected.',
        },
        headersTimeoutMs: { type: 'integer', minimum: 100, default: 10_000, description: 'Time a client has to send the request headers.' },
        keepAliveTimeoutMs: { type: 'integer', minimum: 100, default: 65_000, description: 'How long an idle keep-alive connection is kept open (above a load balancer\'s 60 s idle timeout).' },
      },
    },
    spool: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where accepted events wait until delivered.',
      properties: {
        type: {
          type: 'string',
          enum: ['file', 'memory'],
          default: 'file',
          description:
            'file: every event answered with 202 is on disk first and survives a crash or restart (the default). memory: faster, but a crash loses what is not delivered yet.',
        },
        directory: {
          ...fileSpoolOptionsSchema.properties.directory,
          default: '.sluice/spool',
          description: 'Folder of the file spool (one collector per folder). Default: .sluice/spool under the working folder.',
        },
        fsync: fileSpoolOptionsSchema.properties.fsync,
        fsyncIntervalMs: fileSpoolOptionsSchema.properties.fsyncIntervalMs,
      },
    },
    s3: { ...s3OptionsSchema, default: {}, description: 'The S3 destination (s3Module() options). Credentials: the AWS SDK chain unless given here as "${ENV_VAR}".' },
    batch: { ...minuteBatcherOptionsSchema, default: {}, description: 'Caps of one object (minuteBatcherModule() options).' },
    sluice: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'createSluice() options, except handleSignals and drainOnExit: serve handles signals itself.',
      properties: sluiceProperties,
    },
    inspector: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The page at / that shows recent events and their Dest count.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the inspector page and its data.' },
        recentEvents: {
          type: 'integer',
          minimum: 1,
          maximum: 100_000,
          default: 1_000,
          description: 'How many recent events the inspector keeps (a ring: the oldest is dropped), and GET /v1/events/:id can describe in full.',
        },
      },
    },
    fleet: {
      ...fleetOptionsSchema,
      description:
        'Fleet mode (fleetModule() options), read by sluice flusher, which always runs with role "flusher": give it the url, shards and keyPrefix of the producers. sluice serve does not read it.',
    },
    shutdownTimeoutMs: {
      type: 'integer',
      minimum: 1,
      default: 25_000,
      description:
        'On SIGTERM or SIGINT: how long to keep delivering after the listener stopped. What is undelivered then stays in the file spool for the next start.',
    },
  },
} as const;

const validate = compileValidator<CollectorConfig>('sluice serve config', collectorConfigSchema);

/** Validates a config and fills in defaults; throws ValidationError naming each bad key and its fix. */
export function parseCollectorConfig(input: unknown = {}): CollectorConfig {
  return validate(structuredClone(input));
}
