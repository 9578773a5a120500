import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** A valid name that is never asked about: a dry run's request never leaves the process. */
const BUCKET = 'sluice-warm-up';
const KEY = 'warm-up';
const XML = { 'content-type': 'application/xml' };

/**
 * Added to a dry run's own command (never the client's middleware), nearest the transport:
 * the request has gone through every step an upload's does (endpoint resolution,
 * serialization, checksums, signing with the client's credentials) and gets, instead of
 * being sent, the answer S3 gives a success, which the client then parses as it would one.
 */
function answer(headers: Record<string, string>, body = ''): () => () => Promise<{ response: unknown }> {
  return () => async () => {
    // The parse of the answer in a turn of its own (see breakTurn).
    await nextTurn();
    return { response: { statusCode: 200, reason: 'OK', headers: { ...headers }, body: Readable.from([Buffer.from(body)]) } };
  };
}
const AT_TRANSPORT = { step: 'deserialize', priority: 'low', name: 'sluiceDryRunAnswer' } as const;

/**
 * A dry run's steps run in turns of their own: the first one a command class makes pays for
 * compiling the SDK's code, which in one turn would be the long turn it is made to avoid.
 */
const breakTurn =
  <A, R>(next: (args: A) => Promise<R>) =>
  async (args: A): Promise<R> => {
    await nextTurn();
    return next(args);
  };
const BEFORE_SERIALIZE = { step: 'serialize', priority: 'high', name: 'sluiceDryRunTurnSerialize' } as const;
const BEFORE_BUILD = { step: 'build', priority: 'high', name: 'sluiceDryRunTurnBuild' } as const;
const BEFORE_FINALIZE = { step: 'finalizeRequest', priority: 'high', name: 'sluiceDryRunTurnFinalize' } as const;

const uploadsXml = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${BUCKET}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated><Upload><Key>${KEY}</Key><UploadId>${KEY}</UploadId><Initiated>2024-06-01T00:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>`;
const createdXml = `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>${KEY}</Key><UploadId>${KEY}</UploadId></InitiateMultipartUploadResult>`;
const completedXml = `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Location>http://${BUCKET}/${KEY}</Location><Bucket>${BUCKET}</Bucket><Key>${KEY}</Key><ETag>"0"</ETag></CompleteMultipartUploadResult>`;

/** The requests' middleware stack, as far as a dry run adds to it. */
interface DryRunnable {
  readonly middlewareStack: { add(middleware: unknown, options: object): void };
}

/**
 * Sends `command` as a dry run: a turn of its own before each of its steps, and S3's answer
 * given in the process instead of sending it. send()'s options are given (even empty) so the
 * SDK never caches a dry run's handler for its command class when `cacheMiddleware` is on:
 * the canned answer must never reach a real request.
 */
function dryRun(client: S3Client, command: DryRunnable, response: ReturnType<typeof answer>): Promise<unknown> {
  for (const step of [BEFORE_SERIALIZE, BEFORE_BUILD, BEFORE_FINALIZE]) command.middlewareStack.add(breakTurn, step);
  command.middlewareStack.add(response, AT_TRANSPORT);
  return client.send(command as Parameters<S3Client['send']>[0], {});
}

/**
 * The dry runs of the requests an upload makes (a small object's PutObject, or a multipart
 * upload's three) and the orphan sweep's listing, one per call, each on a fresh command.
 * A dry run signs its request with the client's credentials, so the client given should
 * hold placeholder ones (see DefaultS3ClientProvider.warm).
 */
export const warmCommands: ReadonlyArray<(client: S3Client) => Promise<unknown>> = [
  (client) => dryRun(client, new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: new Uint8Array(0) }), answer({ etag: '"0"' })),
  (client) => dryRun(client, new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: KEY }), answer(XML, createdXml)),
  (client) => dryRun(client, new UploadPartCommand({ Bucket: BUCKET, Key: KEY, UploadId: KEY, PartNumber: 1, Body: new Uint8Array(0) }), answer({ etag: '"0"' })),
  (client) =>
    dryRun(
      client,
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: KEY, UploadId: KEY, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0"' }] } }),
      answer(XML, completedXml),
    ),
  (client) => dryRun(client, new ListMultipartUploadsCommand({ Bucket: BUCKET }), answer(XML, uploadsXml)),
];
