import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { toDeliveryError } from './toDeliveryError.js';

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} happened` });
}

describe('toDeliveryError', () => {
  it('marks authorization and naming errors permanent, with advice and the location', () => {
    for (const [code, advice] of [
      ['AccessDenied', /grant s3:PutObject/],
      ['NoSuchBucket', /create it, or correct the bucket name/],
      ['InvalidAccessKeyId', /check AWS_ACCESS_KEY_ID/],
    ] as const) {
      const error = toDeliveryError(s3Error(code, 403), 's3://b/k.gz');
      expect(error.retryable).toBe(false);
      expect(error.destinationCode).toBe(code);
      expect(error.message).toMatch(advice);
      expect(error.message).toContain('s3://b/k.gz');
    }
  });

  it('marks throttling, server errors and dropped connections retryable', () => {
    expect(toDeliveryError(s3Error('SlowDown', 503), 'l').retryable).toBe(true);
    expect(toDeliveryError(s3Error('InternalError', 500), 'l').retryable).toBe(true);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(toDeliveryError(reset, 'l')).toMatchObject({ retryable: true, destinationCode: 'ECONNRESET' });
  });
});
