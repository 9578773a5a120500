export function uploadsDirectory(directory: string, bucket: string): string;
export interface ConditionalWriteModes {
  /** Answer 412 to PutObject with If-None-Match: * when the key exists. Default: false (s3rver ignores the header). */
  conditionalPut?: boolean;
  /** Answer 412 to CompleteMultipartUpload with If-None-Match: * when the key exists. Default: false. */
  conditionalComplete?: boolean;
}
export function addMultipartExtensions(server: unknown, directory: string, modes?: ConditionalWriteModes): void;
