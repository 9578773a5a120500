import { isRetryableByTrait, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { DeliveryError } from '@sluice/core';

/**
 * What a person should do about S3 error codes that retrying soon cannot fix. Whether an error
 * is retryable is the AWS SDK's call first (see isRetryable); this table adds the advice, and
 * marks the few permanent errors that come without an HTTP status (a missing credential).
 */
const ADVICE: Record<string, string> = {
  AccessDenied:
    'The credentials in use lack a permission: grant s3:PutObject, s3:AbortMultipartUpload and the rest of bucketPolicy() on this bucket.',
  AllAccessDisabled: 'All access to this bucket has been disabled by its owner or AWS.',
  NoSuchBucket: 'The bucket does not exist: create it, or correct the bucket name passed to send.s3().',
  InvalidAccessKeyId: 'The access key id is unknown to S3: check AWS_ACCESS_KEY_ID, the profile, or the credentials option.',
  SignatureDoesNotMatch: 'The secret access key does not match the access key id: check the credentials.',
  ExpiredToken: 'The session token has expired: refresh the temporary credentials.',
  InvalidToken: 'The session token is malformed or invalid: check the credentials.',
  InvalidBucketName: 'The bucket name is not valid for this S3 service.',
  PermanentRedirect: 'The bucket is in another region: set the region option, or leave it unset to discover it.',
  AuthorizationHeaderMalformed: 'The request was signed for the wrong region: set the region option to the bucket’s region.',
  AccountProblem: 'The AWS account has a problem that blocks this operation: contact AWS support.',
  KMS_AccessDeniedException: 'The credentials may not use the KMS key: grant kms:GenerateDataKey and kms:Decrypt on it.',
  KMS_NotFoundException: 'The KMS key does not exist: check sseKmsKeyId.',
  KMS_DisabledException: 'The KMS key is disabled: enable it or choose another.',
  InvalidArgument: 'S3 rejected a request argument: check the encryption, ACL and storage-class options.',
  NotImplemented: 'This S3-compatible server lacks a feature the request used: try checksumMode WHEN_REQUIRED.',
  CredentialsProviderError:
    "No AWS credentials were found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or the credentials option (Sluice uses the SDK's default provider chain).",
};

interface AwsLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/**
 * Classifies what the AWS SDK or lib-storage threw into a DeliveryError (code
 * SLUICE_DELIVERY_FAILED, S3's code in `destinationCode`). Retryable is what the SDK's own
 * retry strategy retries: throttling (SlowDown, 429), transient errors (timeouts, dropped
 * connections, 500/502/503/504, a corrected clock skew) and other 5xx server errors. Permanent:
 * an answer the SDK would not retry with a 4xx status or 501 Not Implemented, and the codes in
 * ADVICE. Anything else (an unknown failure without an answer) stays retryable, so nothing is
 * given up on by mistake. A permanent error is still retried, after `retry.permanentErrorDelayMs`.
 */
export function toDeliveryError(error: unknown, location: string): DeliveryError {
  const e = (error ?? {}) as AwsLikeError;
  const code = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? 'UnknownError';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const advice = ADVICE[code];
  const retryable = isRetryable(error, status, advice !== undefined);
  return new DeliveryError(
    `S3 rejected the upload: ${e.message ?? String(error)}`,
    {
      code,
      retryable,
      location,
      status,
      hint:
        advice ??
        (retryable
          ? 'Sluice retries with backoff; the batch stays pending.'
          : 'Retrying soon will not help: check the request options; the batch stays pending and is tried again after retry.permanentErrorDelayMs.'),
    },
    { cause: error },
  );
}

type SdkError = Parameters<typeof isTransientError>[0];

function isRetryable(error: unknown, status: number | undefined, knownPermanent: boolean): boolean {
  // The SDK counts every 5xx as a server error; a server that lacks a feature still lacks it
  // on the next attempt (an S3-compatible server without the newer checksum headers, say).
  if (status === 501) return false;
  if (typeof error === 'object' && error !== null) {
    const sdkError = error as SdkError;
    if (isRetryableByTrait(sdkError) || isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError)) return true;
  }
  if (knownPermanent) return false;
  if (status !== undefined && status >= 400 && status < 500) return false;
  return true;
}
