import { describe, expect, it } from 'vitest';
import { ValidationError } from '@sluice/core';
import { bucketPolicy } from './bucketPolicy.js';

describe('bucketPolicy', () => {
  it('grants exactly the five actions of the minimal policy, on the bucket and its objects', () => {
    expect(bucketPolicy({ bucket: 'my-bucket', principalArn: 'arn:aws:iam::203863770927:role/Pipedream', id: 'allow-pipedream-limited-access' })).toEqual({
      Version: '2012-10-17',
      Id: 'allow-pipedream-limited-access',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::203863770927:role/Pipedream' },
          Action: [
            's3:AbortMultipartUpload',
            's3:GetBucketLocation',
            's3:PutObject',
            's3:PutObjectAcl',
            's3:ListBucketMultipartUploads',
          ],
          Resource: ['arn:aws:s3:::my-bucket', 'arn:aws:s3:::my-bucket/*'],
        },
      ],
    });
  });

  it('never grants reading, listing or deleting objects', () => {
    const actions = bucketPolicy({ bucket: 'b-1', principalArn: 'arn:aws:iam::123456789012:user/ci' }).Statement[0].Action;
    for (const forbidden of ['s3:GetObject', 's3:ListBucket', 's3:DeleteObject', 's3:*']) expect(actions).not.toContain(forbidden);
  });

  it('accepts every ARN form: any partition, no account id (S3-compatible servers), users, roles, root, STS sessions', () => {
    for (const principalArn of [
      'arn:aws:iam:::user/deliverer',
      'arn:aws:iam:::role/deliverer',
      'arn:aws:iam::123456789012:root',
      'arn:aws:iam::123456789012:role/service-role/path/deliverer',
      'arn:aws:sts::123456789012:assumed-role/deliverer/session-1',
      'arn:aws-cn:iam::123456789012:user/ci',
      'arn:aws-us-gov:iam::123456789012:role/r',
      'arn:aws-iso-b:iam::123456789012:role/r',
      'arn:minio:iam:::user/deliverer',
    ]) {
      expect(bucketPolicy({ bucket: 'b-1', principalArn }).Statement[0].Principal).toEqual({ AWS: principalArn });
    }
  });

  it('rejects what is not an ARN, and a bucket with a path, with a Sluice error naming the field and the fix', () => {
    for (const principalArn of ['203863770927', '*', 'deliverer', 'arn:aws:iam', 'arn:aws:iam::123456789012', 'user/deliverer', ' arn:aws:iam:::user/x']) {
      expect(() => bucketPolicy({ bucket: 'b-1', principalArn })).toThrow(ValidationError);
      expect(() => bucketPolicy({ bucket: 'b-1', principalArn })).toThrow(/\/principalArn: .* is invalid: is not an ARN\. Give the ARN of the role or user/);
    }
    expect(() => bucketPolicy({ bucket: 'b/x', principalArn: 'arn:aws:iam::123456789012:role/r' })).toThrow(/\/bucket: "b\/x" is invalid: is not an S3 bucket name/);
  });
});
