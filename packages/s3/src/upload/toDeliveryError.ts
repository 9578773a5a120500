import { DeliveryError } from '@sluice/core';

/** S3 error codes that retrying soon cannot fix, with what a person should do. */
const PERMANENT: Record<string, string> = {
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
 * Classifies what the AWS SDK or lib-storage threw into a DeliveryError: permanent for
 * authorization, naming and configuration errors, retryable for throttling, 5xx, timeouts
 * and dropped connections (and anything unknown, so nothing is given up on by mistake).
 */
export function toDeliveryError(error: unknown, location: string): DeliveryError {
  const e = (error ?? {}) as AwsLikeError;
  const code = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? 'UnknownError';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const hint = PERMANENT[code];
  const retryable = hint === undefined;
  return new DeliveryError(
    `S3 rejected the upload: ${e.message ?? String(error)}`,
    {
      code,
      retryable,
      location,
      status,
      hint: hint ?? 'Sluice retries with backoff; the batch stays pending.',
    },
    { cause: error },
  );
}
