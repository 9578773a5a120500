import { S3Client } from '@aws-sdk/client-s3';
import type { S3OptionsInput } from '@sluice/s3';
import { verifyBucket } from '../verify/verifyBucket.js';
import type { CliIo } from './CliIo.js';
import { CommandError } from './CommandError.js';
import { EXIT } from './exitCodes.js';
import { policyFor } from './policyCommand.js';
import { configFile, readConfig } from './readConfig.js';

export interface VerifyArgs {
  readonly bucket?: string;
  readonly prefix?: string;
  readonly config?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly acl?: string;
  readonly principal?: string;
}

const LABEL = { granted: 'ok', denied: 'MISSING', skipped: 'skipped', error: 'ERROR' } as const;
const PLACEHOLDER_PRINCIPAL = 'arn:aws:iam::123456789012:role/REPLACE-WITH-THE-DELIVERING-ROLE';

/** `sluice verify`: one line per permission, a verdict, and the policy that fixes what is missing. */
export async function verifyCommand(args: VerifyArgs, io: CliIo): Promise<number> {
  if (!args.bucket) throw new CommandError('--bucket <name> is required', EXIT.usage);
  if (args.acl !== undefined && args.acl !== 'bucket-owner-full-control') {
    throw new CommandError(`--acl ${args.acl} is not supported: the only ACL delivery sends is bucket-owner-full-control`, EXIT.usage);
  }
  const file = configFile(args.config, io);
  const s3: S3OptionsInput = file ? readConfig(file, io).s3 : {};
  const endpoint = args.endpoint ?? s3.endpoint;
  const acl = args.acl ?? s3.acl;
  const client = new S3Client({
    endpoint,
    region: args.region ?? s3.region ?? 'us-east-1',
    forcePathStyle: s3.forcePathStyle ?? endpoint !== undefined,
    followRegionRedirects: true,
    // A provider function is passed as it is; an object as a copy, since the SDK annotates it.
    ...(s3.credentials ? { credentials: typeof s3.credentials === 'function' ? s3.credentials : { ...s3.credentials } } : {}),
    maxAttempts: 2,
  });
  const out = (line: string) => io.stdout.write(`${line}\n`);
  try {
    out(`Checking s3://${args.bucket}/${args.prefix ?? ''} with the delivering credentials${endpoint ? ` at ${endpoint}` : ''}:`);
    const report = await verifyBucket(client, { bucket: args.bucket, prefix: args.prefix, acl });
    for (const check of report.checks) out(`  ${LABEL[check.status].padEnd(8)} ${check.action.padEnd(30)} ${check.detail}`);
    for (const left of report.leftovers) {
      out(`  note: the test upload ${left.uploadId} of ${left.key} could not be aborted; it holds no data. A lifecycle rule (AbortIncompleteMultipartUpload) or a principal with s3:AbortMultipartUpload removes it.`);
    }
    if (report.passed) {
      out(`PASS: these credentials can deliver to s3://${args.bucket}/${args.prefix ?? ''}. Nothing was written.`);
      return EXIT.ok;
    }
    const missing = report.checks.filter((check) => check.status === 'denied').map((check) => check.action);
    const errors = report.checks.filter((check) => check.status === 'error');
    if (missing.length > 0) {
      out(`FAIL: missing ${missing.join(', ')}. This bucket policy grants what delivery needs${args.principal ? '' : ' (put the delivering role\'s ARN in Principal, or pass --principal)'}:`);
      out(JSON.stringify(policyFor(args.bucket, args.principal ?? PLACEHOLDER_PRINCIPAL, args.prefix), null, 2));
      return EXIT.attention;
    }
    out(`FAIL: could not check ${errors.map((check) => check.action).join(', ')}: see the errors above (wrong bucket name, endpoint or region?).`);
    return EXIT.failed;
  } finally {
    client.destroy();
  }
}
