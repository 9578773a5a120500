import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>${body}`;
const CREATED = xml('<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>');
const COMPLETED = xml('<CompleteMultipartUploadResult><Bucket>bucket</Bucket><Key>k</Key><ETag>"e"</ETag></CompleteMultipartUploadResult>');
const NO_UPLOADS = xml('<ListMultipartUploadsResult><Bucket>bucket</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>');

export interface Sent {
  readonly kind: 'PutObject' | 'UploadPart';
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * A real S3 client whose requests, signed and with their checksum headers, are answered in
 * the process: records each PutObject's and UploadPart's headers and body.
 */
export function signingClient(checksumMode: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED') {
  const sent: Sent[] = [];
  const aborted: string[] = [];
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    // As DefaultS3ClientProvider makes it.
    requestChecksumCalculation: checksumMode,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'placeholder' },
    requestHandler: {
      handle: (request: { method: string; query: Record<string, unknown>; headers: Record<string, string>; body: unknown }) => {
        let text = '';
        if (request.method === 'PUT') {
          const kind = request.query.partNumber === undefined ? 'PutObject' : 'UploadPart';
          sent.push({ kind, headers: { ...request.headers }, body: Buffer.from(request.body as Uint8Array) });
        } else if (request.method === 'POST') text = request.query.uploadId === undefined ? CREATED : COMPLETED;
        else if (request.method === 'GET') text = NO_UPLOADS;
        else if (request.method === 'DELETE') aborted.push(String(request.query.uploadId));
        const response = { statusCode: request.method === 'DELETE' ? 204 : 200, reason: 'OK', headers: { etag: '"e"', 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(text)]) };
        return Promise.resolve({ response });
      },
    },
  });
  return { client, sent, aborted };
}
