import { ValidationError, type ValidationIssue } from '@sluice/core';

/** The S3 actions delivery needs, and no more: no GetObject, no ListBucket, no DeleteObject. */
export const REQUIRED_S3_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:GetBucketLocation',
  's3:PutObject',
  's3:PutObjectAcl',
  's3:ListBucketMultipartUploads',
] as const;

export interface BucketPolicyOptions {
  /** The bucket to grant access to. */
  readonly bucket: string;
  /**
   * ARN of the principal Sluice runs as, in any form: `arn:aws:iam::123456789012:role/sluice`,
   * `…:user/name`, `…:root`, `arn:aws:sts::123456789012:assumed-role/role/session`, any
   * partition (aws-cn, aws-us-gov…), or without an account id as S3-compatible servers write
   * it (`arn:aws:iam:::user/deliverer`).
   */
  readonly principalArn: string;
  /** Policy id. Default: `allow-sluice-limited-access`. */
  readonly id?: string;
}

/** `arn:partition:service:region:account:resource`; region and account may be empty. */
const ARN = /^arn:[a-z][a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9a-z-]*:\S+$/;

/**
 * The minimal bucket policy for delivery, to paste into the bucket's permissions. Throws a
 * ValidationError (code SLUICE_INVALID) for a principal that is not an ARN or a bucket name
 * that is not one (a path in it, say). Which principals the server accepts is its to judge.
 */
export function bucketPolicy({ bucket, principalArn, id = 'allow-sluice-limited-access' }: BucketPolicyOptions) {
  const issues: ValidationIssue[] = [];
  if (!ARN.test(principalArn)) {
    issues.push({
      field: '/principalArn',
      value: principalArn,
      rule: 'is not an ARN',
      fix: 'Give the ARN of the role or user Sluice runs as, e.g. arn:aws:iam::123456789012:role/sluice, or arn:aws:iam:::user/sluice on a server without account ids.',
    });
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    issues.push({ field: '/bucket', value: bucket, rule: 'is not an S3 bucket name', fix: 'Use 3-63 lowercase letters, digits, dots and hyphens, without a path.' });
  }
  if (issues.length > 0) throw new ValidationError('bucketPolicy() options', issues);
  return {
    Version: '2012-10-17',
    Id: id,
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: principalArn },
        Action: [...REQUIRED_S3_ACTIONS],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  } as const;
}
