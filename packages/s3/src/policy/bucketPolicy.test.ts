import { describe, expect, it } from 'vitest';
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

  it('rejects a principal that is not an IAM ARN and a bucket with a path', () => {
    expect(() => bucketPolicy({ bucket: 'b-1', principalArn: '203863770927' })).toThrow(/not an IAM principal ARN/);
    expect(() => bucketPolicy({ bucket: 'b/x', principalArn: 'arn:aws:iam::123456789012:role/r' })).toThrow(/not an S3 bucket name/);
  });
});
