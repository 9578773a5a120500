import { bucketPolicy, REQUIRED_S3_ACTIONS } from '@sluice/s3';
import { normalizePrefix } from '@sluice/s3';
import { CommandError } from './CommandError.js';
import { EXIT } from './exitCodes.js';

/** Actions S3 authorizes on the bucket's ARN; the others apply to object ARNs. */
const BUCKET_ACTIONS = new Set<string>(['s3:GetBucketLocation', 's3:ListBucketMultipartUploads']);

/**
 * The minimal bucket policy as @sluice/s3's bucketPolicy() writes it; with a prefix, the
 * object actions are narrowed to keys under it (bucket actions cannot be).
 */
export function policyFor(bucket: string, principalArn: string, prefix?: string): object {
  let policy;
  try {
    policy = bucketPolicy({ bucket, principalArn });
  } catch (error) {
    throw new CommandError((error as Error).message, EXIT.usage);
  }
  const normalized = normalizePrefix(prefix ?? '');
  if (!normalized) return policy;
  const [statement] = policy.Statement;
  return {
    ...policy,
    Statement: [
      { ...statement, Sid: 'SluiceBucket', Action: REQUIRED_S3_ACTIONS.filter((a) => BUCKET_ACTIONS.has(a)), Resource: `arn:aws:s3:::${bucket}` },
      { ...statement, Sid: 'SluiceObjects', Action: REQUIRED_S3_ACTIONS.filter((a) => !BUCKET_ACTIONS.has(a)), Resource: `arn:aws:s3:::${bucket}/${normalized}/*` },
    ],
  };
}
