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
  /** ARN of the IAM role or user Sluice runs as, e.g. `arn:aws:iam::123456789012:role/sluice`. */
  readonly principalArn: string;
  /** Policy id. Default: `allow-sluice-limited-access`. */
  readonly id?: string;
}

/**
 * The minimal bucket policy for delivery, to paste into the bucket's permissions. Throws a
 * TypeError for an ARN that is not an IAM principal or a bucket name with a path in it.
 */
export function bucketPolicy({ bucket, principalArn, id = 'allow-sluice-limited-access' }: BucketPolicyOptions) {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:(role|user|root)/.test(principalArn)) {
    throw new TypeError(
      `principalArn ${JSON.stringify(principalArn)} is not an IAM principal ARN: expected arn:aws:iam::<12-digit account>:role/<name> (or user/<name>).`,
    );
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new TypeError(`bucket ${JSON.stringify(bucket)} is not an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens).`);
  }
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
