import { S3ServiceException } from '@aws-sdk/client-s3';

/** S3's answer to a conditional write (`If-None-Match: *`) whose key exists: the object is already stored. */
export function isAlreadyExists(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'PreconditionFailed' || error.$metadata.httpStatusCode === 412);
}
