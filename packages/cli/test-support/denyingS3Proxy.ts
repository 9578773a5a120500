import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The S3 operations `sluice verify` exercises, as a bucket policy names their permissions. */
export type S3Permission = 's3:GetBucketLocation' | 's3:ListBucketMultipartUploads' | 's3:PutObject' | 's3:PutObjectAcl' | 's3:AbortMultipartUpload';

/**
 * The permission S3 checks for a request, from its method, query and headers: what AWS's
 * authorization does for the five operations delivery uses. A CreateMultipartUpload that
 * carries x-amz-acl needs s3:PutObjectAcl besides s3:PutObject.
 */
export function permissionsOf(request: http.IncomingMessage): S3Permission[] {
  const url = new URL(request.url ?? '/', 'http://x');
  const hasKey = url.pathname.split('/').filter(Boolean).length > 1;
  if (request.method === 'GET' && !hasKey && url.searchParams.has('location')) return ['s3:GetBucketLocation'];
  if (request.method === 'GET' && !hasKey && url.searchParams.has('uploads')) return ['s3:ListBucketMultipartUploads'];
  if (request.method === 'DELETE' && url.searchParams.has('uploadId')) return ['s3:AbortMultipartUpload'];
  if ((request.method === 'POST' && url.searchParams.has('uploads')) || (request.method === 'PUT' && hasKey)) {
    return request.headers['x-amz-acl'] ? ['s3:PutObject', 's3:PutObjectAcl'] : ['s3:PutObject'];
  }
  return [];
}

/** A stand-in for a bucket policy in front of s3rver, which has none. */
export interface DenyingS3Proxy {
  readonly endpoint: string;
  /** Permissions the "policy" lacks: their requests get 403 AccessDenied. */
  deny(permissions: readonly S3Permission[]): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of s3rver that answers 403 AccessDenied, as S3 does
 * for a permission the bucket policy lacks, and forwards everything else.
 */
export async function startDenyingS3Proxy(target: string): Promise<DenyingS3Proxy> {
  const upstream = new URL(target);
  let denied = new Set<S3Permission>();
  const server = http.createServer((request, response) => {
    const lacking = permissionsOf(request).filter((permission) => denied.has(permission));
    if (lacking.length > 0) {
      request.resume();
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied (the test policy lacks ${lacking.join(', ')})</Message></Error>`);
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => request.socket.destroy());
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deny(permissions) {
      denied = new Set(permissions);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
