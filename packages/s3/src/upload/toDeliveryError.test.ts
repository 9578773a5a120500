import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { toDeliveryError } from './toDeliveryError.js';

function s3Error(name: string, status: number, extra: Partial<{ $retryable: { throttling?: boolean }; clockSkewCorrected: boolean }> = {}): S3ServiceException {
  const error = new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, ...(extra.clockSkewCorrected ? { clockSkewCorrected: true } : {}) },
    message: `${name} happened`,
  });
  if (extra.$retryable) Object.assign(error, { $retryable: extra.$retryable });
  return error;
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
      expect(error.code).toBe('SLUICE_DELIVERY_FAILED');
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

  it("follows the AWS SDK's classification: 503 of any code, 429, throttling and retryable traits, a corrected clock skew, timeouts", () => {
    expect(toDeliveryError(s3Error('ServiceUnavailable', 503), 'l')).toMatchObject({ retryable: true, status: 503 });
    expect(toDeliveryError(s3Error('TooManyRequests', 429), 'l').retryable).toBe(true);
    expect(toDeliveryError(s3Error('SomethingNew', 400, { $retryable: { throttling: true } }), 'l').retryable).toBe(true);
    expect(toDeliveryError(s3Error('RequestTimeout', 400), 'l').retryable).toBe(true);
    expect(toDeliveryError(s3Error('SignatureDoesNotMatch', 403, { clockSkewCorrected: true }), 'l').retryable).toBe(true);
    expect(toDeliveryError(s3Error('BandwidthLimitExceeded', 509), 'l').retryable).toBe(true);
    const dns = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    expect(toDeliveryError(dns, 'l').retryable).toBe(true);
  });

  it('marks a client error the SDK would not retry, and 501, permanent, with general advice', () => {
    const invalid = toDeliveryError(s3Error('InvalidRequest', 400), 's3://b/k');
    expect(invalid).toMatchObject({ retryable: false, destinationCode: 'InvalidRequest', status: 400 });
    expect(invalid.message).toMatch(/Retrying soon will not help/);
    expect(toDeliveryError(s3Error('NotImplemented', 501), 'l').retryable).toBe(false);
    expect(toDeliveryError(s3Error('SignatureDoesNotMatch', 403), 'l').retryable).toBe(false);
  });

  it('marks a missing credential permanent, and an unknown failure without an answer retryable', () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(toDeliveryError(missing, 'l')).toMatchObject({ retryable: false, destinationCode: 'CredentialsProviderError' });
    expect(toDeliveryError(new Error('something odd'), 'l')).toMatchObject({ retryable: true, destinationCode: 'UnknownError' });
  });
});
