import { compileValidator } from '@sluice/core';

/**
 * Credentials as the AWS SDK takes them (its AwsCredentialIdentity): other fields the SDK
 * adds, such as `$source`, are allowed. Never printed or logged.
 */
export interface S3StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly credentialScope?: string;
  readonly accountId?: string;
}

/** A credential provider as the AWS SDK takes it, e.g. `fromIni()` or `fromTemporaryCredentials()`. */
export type S3CredentialsProvider = () => Promise<S3StaticCredentials>;

/** Static credentials or a provider; leave unset to use the AWS SDK's default provider chain. */
export type S3Credentials = S3StaticCredentials | S3CredentialsProvider;

/** Options of `s3Module()`. Every key has a default; see docs/config-reference.md. */
export interface S3Options {
  /**
   * AWS region of the buckets. Default: the AWS SDK's own region chain (AWS_REGION, then the profile's region
   * in ~/.aws/config or AWS_CONFIG_FILE); else us-east-1 when endpoint is set; else found per bucket with
   * GetBucketLocation. A bucket in another region is followed through S3's redirect.
   */
  readonly region?: string;
  /** URL of an S3-compatible service (MinIO, Ceph, a local test server). Default: AWS. */
  readonly endpoint?: string;
  /**
   * Address buckets as endpoint/bucket/key instead of bucket.endpoint/key; most S3-compatible servers need
   * it. Default: `false`.
   */
  readonly forcePathStyle: boolean;
  /**
   * Credentials as the AWS SDK takes them: an object { accessKeyId, secretAccessKey, sessionToken? } (the
   * same object may be shared with the application's own S3Client), or a provider function such as fromIni().
   * Never printed. Default: the AWS SDK's provider chain (environment, profile, SSO, instance role).
   */
  readonly credentials?: S3Credentials;
  /**
   * Size of each multipart part (S3 allows 5 MiB to 5 GiB). An object smaller than one part is written with a
   * single PutObject. Default: `8388608`.
   */
  readonly partSizeBytes: number;
  /**
   * Parts of one object uploaded at the same time. Memory per upload is about partSizeBytes ×
   * partConcurrency. Default: `4`.
   */
  readonly partConcurrency: number;
  /** gzip level: 1 is fastest, 9 smallest; 6 is gzip’s own default. Default: `6`. */
  readonly compressionLevel: number;
  /**
   * How many batches (or runs of a streaming batch) are gzip-compressed at once, each on a thread of libuv’s
   * pool (4 threads unless UV_THREADPOOL_SIZE says otherwise). 0: one fewer than the CPU cores, at least 1,
   * which leaves a core to the application’s event loop, and one more while the event loop has been mostly
   * idle (busy under half of the last 50 ms or more), never more than the cores; a number: exactly that many.
   * Default: `0`.
   */
  readonly compressionConcurrency: number;
  /**
   * Canned ACL for cross-account delivery, so the bucket owner owns the objects (the reason the minimal
   * policy grants PutObjectAcl). Default: none.
   */
  readonly acl?: 'bucket-owner-full-control';
  /**
   * Server-side encryption: AES256 (SSE-S3) or aws:kms (SSE-KMS). Default: the bucket's default encryption.
   */
  readonly serverSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** KMS key id or ARN for aws:kms encryption. Default: the AWS managed key. */
  readonly sseKmsKeyId?: string;
  /** Storage class of the objects. Default: STANDARD. */
  readonly storageClass?: 'STANDARD' | 'STANDARD_IA' | 'ONEZONE_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR' | 'GLACIER' | 'DEEP_ARCHIVE' | 'REDUCED_REDUNDANCY';
  /**
   * Request checksums: WHEN_SUPPORTED sends a CRC32 of every part (the AWS SDK's default, end-to-end
   * integrity); WHEN_REQUIRED only where S3 demands one, for S3-compatible servers that reject the newer
   * checksum headers. Default: `"WHEN_SUPPORTED"`.
   */
  readonly checksumMode: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /**
   * Write with If-None-Match: * so a retried batch can never replace or duplicate its object; "already
   * exists" counts as delivered. Servers that ignore the header are unaffected. Default: `true`.
   */
  readonly conditionalWrite: boolean;
  /**
   * Attempts per request inside the AWS SDK (its own quick retries), before Sluice's batch-level backoff.
   * Default: `3`.
   */
  readonly maxAttempts: number;
  /**
   * Time a request may go without progress on its socket before it is abandoned and retried. Default:
   * `120000`.
   */
  readonly requestTimeoutMs: number;
  /** Time to establish a connection before it is abandoned and retried. Default: `10000`. */
  readonly connectionTimeoutMs: number;
  /**
   * A multipart upload of a Sluice-shaped key (PREFIX/YYYY/MM/DD/HH/…-<64 hex>.EXT) under a prefix this
   * process writes to, older than this and not in flight here, is an orphan (left by a crash or a lost abort)
   * and is aborted (ListBucketMultipartUploads + AbortMultipartUpload, both in the minimal policy). Other
   * applications' uploads are never touched. A retried or recovered batch's own earlier upload is aborted at
   * once, whatever its age. Default: `3600000`.
   */
  readonly orphanUploadAgeMs: number;
  /**
   * How often each bucket written to is swept for orphaned multipart uploads: one listing per bucket per
   * interval (first: at its first upload), filtered by the longest prefix common to the prefixes written. A
   * prefix unwritten for this interval plus orphanUploadAgeMs is forgotten (at most 10,000 are remembered per
   * bucket). Default: `3600000`.
   */
  readonly orphanSweepIntervalMs: number;
}

export type S3OptionsInput = Partial<S3Options>;

/** A secret never printed: see `x-secret` in core's validation. */
const secretString = (description: string) => ({ type: 'string', minLength: 1, 'x-secret': true, description }) as const;

const MIB = 1024 * 1024;

export const s3OptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    region: {
      type: 'string',
      pattern: '^[a-z0-9-]{2,32}$',
      description:
        "AWS region of the buckets. Default: the AWS SDK's own region chain (AWS_REGION, then the profile's region in ~/.aws/config or AWS_CONFIG_FILE); else us-east-1 when endpoint is set; else found per bucket with GetBucketLocation. A bucket in another region is followed through S3's redirect.",
    },
    endpoint: {
      type: 'string',
      // No user name or password before the host (no '@' at all): credentials belong in `credentials`.
      pattern: '^https?://[^@\\s]+$',
      description: 'URL of an S3-compatible service (MinIO, Ceph, a local test server). Default: AWS.',
      'x-fix': 'Give a full URL such as http://127.0.0.1:9000, without a user name or password (give those in credentials).',
    },
    forcePathStyle: {
      type: 'boolean',
      default: false,
      description: 'Address buckets as endpoint/bucket/key instead of bucket.endpoint/key; most S3-compatible servers need it.',
    },
    credentials: {
      type: 'object',
      'x-secret': true,
      additionalProperties: false,
      // Annotations the AWS SDK adds to a credentials object it was given, such as $source.
      patternProperties: { '^\\$': {} },
      required: ['accessKeyId', 'secretAccessKey'],
      description:
        "Credentials as the AWS SDK takes them: an object { accessKeyId, secretAccessKey, sessionToken? } (the same object may be shared with the application's own S3Client), or a provider function such as fromIni(). Never printed. Default: the AWS SDK's provider chain (environment, profile, SSO, instance role).",
      properties: {
        accessKeyId: secretString('Access key id.'),
        secretAccessKey: secretString('Secret access key.'),
        sessionToken: secretString('Session token of temporary credentials.'),
        expiration: { type: 'object', description: 'When temporary credentials expire (a Date).' },
        credentialScope: { type: 'string', description: 'Scope of the credentials, as the AWS SDK reports it.' },
        accountId: { type: 'string', description: 'AWS account id the credentials belong to.' },
      },
    },
    partSizeBytes: {
      type: 'integer',
      minimum: 5 * MIB,
      maximum: 5 * 1024 * MIB,
      default: 8 * MIB,
      description:
        'Size of each multipart part (S3 allows 5 MiB to 5 GiB). An object smaller than one part is written with a single PutObject.',
      'x-fix': 'S3 requires parts of at least 5 MiB (5242880 bytes) and at most 5 GiB.',
    },
    partConcurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 32,
      default: 4,
      description: 'Parts of one object uploaded at the same time. Memory per upload is about partSizeBytes × partConcurrency.',
    },
    compressionLevel: {
      type: 'integer',
      minimum: 1,
      maximum: 9,
      default: 6,
      description: 'gzip level: 1 is fastest, 9 smallest; 6 is gzip’s own default.',
    },
    compressionConcurrency: {
      type: 'integer',
      minimum: 0,
      maximum: 64,
      default: 0,
      description:
        'How many batches (or runs of a streaming batch) are gzip-compressed at once, each on a thread of libuv’s pool (4 threads unless UV_THREADPOOL_SIZE says otherwise). 0: one fewer than the CPU cores, at least 1, which leaves a core to the application’s event loop, and one more while the event loop has been mostly idle (busy under half of the last 50 ms or more), never more than the cores; a number: exactly that many.',
    },
    acl: {
      type: 'string',
      enum: ['bucket-owner-full-control'],
      description:
        'Canned ACL for cross-account delivery, so the bucket owner owns the objects (the reason the minimal policy grants PutObjectAcl). Default: none.',
    },
    serverSideEncryption: {
      type: 'string',
      enum: ['AES256', 'aws:kms', 'aws:kms:dsse'],
      description: "Server-side encryption: AES256 (SSE-S3) or aws:kms (SSE-KMS). Default: the bucket's default encryption.",
    },
    sseKmsKeyId: {
      type: 'string',
      minLength: 1,
      description: 'KMS key id or ARN for aws:kms encryption. Default: the AWS managed key.',
    },
    storageClass: {
      type: 'string',
      enum: ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE', 'REDUCED_REDUNDANCY'],
      description: 'Storage class of the objects. Default: STANDARD.',
    },
    checksumMode: {
      type: 'string',
      enum: ['WHEN_SUPPORTED', 'WHEN_REQUIRED'],
      default: 'WHEN_SUPPORTED',
      description:
        "Request checksums: WHEN_SUPPORTED sends a CRC32 of every part (the AWS SDK's default, end-to-end integrity); WHEN_REQUIRED only where S3 demands one, for S3-compatible servers that reject the newer checksum headers.",
    },
    conditionalWrite: {
      type: 'boolean',
      default: true,
      description:
        'Write with If-None-Match: * so a retried batch can never replace or duplicate its object; "already exists" counts as delivered. Servers that ignore the header are unaffected.',
    },
    maxAttempts: {
      type: 'integer',
      minimum: 1,
      maximum: 10,
      default: 3,
      description: "Attempts per request inside the AWS SDK (its own quick retries), before Sluice's batch-level backoff.",
    },
    requestTimeoutMs: {
      type: 'integer',
      minimum: 100,
      default: 120_000,
      description: 'Time a request may go without progress on its socket before it is abandoned and retried.',
    },
    orphanUploadAgeMs: {
      type: 'integer',
      minimum: 0,
      default: 3_600_000,
      description:
        "A multipart upload of a Sluice-shaped key (PREFIX/YYYY/MM/DD/HH/…-<64 hex>.EXT) under a prefix this process writes to, older than this and not in flight here, is an orphan (left by a crash or a lost abort) and is aborted (ListBucketMultipartUploads + AbortMultipartUpload, both in the minimal policy). Other applications' uploads are never touched. A retried or recovered batch's own earlier upload is aborted at once, whatever its age.",
    },
    orphanSweepIntervalMs: {
      type: 'integer',
      minimum: 1_000,
      default: 3_600_000,
      description:
        'How often each bucket written to is swept for orphaned multipart uploads: one listing per bucket per interval (first: at its first upload), filtered by the longest prefix common to the prefixes written. A prefix unwritten for this interval plus orphanUploadAgeMs is forgotten (at most 10,000 are remembered per bucket).',
    },
    connectionTimeoutMs: {
      type: 'integer',
      minimum: 100,
      default: 10_000,
      description: 'Time to establish a connection before it is abandoned and retried.',
    },
  },
} as const;

const validate = compileValidator<S3Options>('s3Module() options', s3OptionsSchema);

/**
 * Validates `s3Module()` options and fills in defaults; throws ValidationError naming each
 * bad field, never printing a credential. A credential provider function is kept as given;
 * a credentials object is copied, so the caller's object (perhaps shared with its own
 * S3Client) is never changed.
 */
export function parseS3Options(input: S3OptionsInput = {}): S3Options {
  // Every other option is a primitive: a shallow copy keeps defaults out of the caller's object.
  const { credentials, ...rest } = input;
  if (typeof credentials === 'function') return { ...validate(rest), credentials };
  return validate(credentials === undefined ? rest : { ...rest, credentials: { ...credentials } });
}
