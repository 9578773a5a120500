import { ChecksumAlgorithm, type ObjectCannedACL, type ServerSideEncryption, type StorageClass } from '@aws-sdk/client-s3';
import type { S3Options } from '../config.js';

/**
 * The parameters every write of an object carries (PutObject, CreateMultipartUpload): its
 * place, content type, ACL, encryption and storage class. `withChecksum` asks for CRC32 part
 * checksums on a multipart upload, as lib-storage does when the client computes them.
 */
export function objectParams(options: S3Options, bucket: string, key: string, contentType: string, withChecksum = false) {
  return {
    Bucket: bucket,
    Key: key,
    ContentType: contentType,
    ...(options.acl ? { ACL: options.acl as ObjectCannedACL } : {}),
    ...(options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption as ServerSideEncryption } : {}),
    ...(options.sseKmsKeyId ? { SSEKMSKeyId: options.sseKmsKeyId } : {}),
    ...(options.storageClass ? { StorageClass: options.storageClass as StorageClass } : {}),
    ...(withChecksum ? { ChecksumAlgorithm: ChecksumAlgorithm.CRC32 } : {}),
  };
}
