import { createHash, Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { type S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JsonLogger, type UploadRequest } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { parseS3Options } from '../config.js';
import type { S3Target } from '../destination/S3Target.js';
import { InFlightUploads } from './InFlightUploads.js';
import { MultipartUploader } from './MultipartUploader.js';
import { OrphanSweeper } from './OrphanSweeper.js';
import { SUM_SLICE_BYTES } from './partSums.js';
import { signingClient } from '../../test-support/signingClient.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;

function uploader(client: S3Client, checksumMode: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED') {
  const options = parseS3Options({ partSizeBytes: PART, partConcurrency: 2, checksumMode });
  const logger = new JsonLogger('silent');
  const inFlight = new InFlightUploads();
  const orphans = new OrphanSweeper(options, new ManualClock('2024-01-01T00:00:00Z'), logger, inFlight);
  return new MultipartUploader(options, { clientFor: () => Promise.resolve(client) }, orphans, inFlight, logger);
}

function request(key: string, pieces: readonly Buffer[], firstAttempt: boolean, signal = new AbortController().signal): UploadRequest<S3Target> {
  return {
    batch: { target: { bucket: 'bucket', prefix: 'prefix' } } as UploadRequest<S3Target>['batch'],
    key,
    body: Readable.from(pieces),
    contentType: 'application/gzip',
    signal,
    firstAttempt,
  };
}

/** `count` bytes counting up from `from`, so a misplaced byte shows. */
const bytes = (from: number, count: number) => Buffer.from(Array.from({ length: count }, (_, i) => (from + i) % 251));

/** `whole` in pieces of `size`, as a spool reads a batch back. */
const piecesOf = (whole: Buffer, size: number) => Array.from({ length: Math.ceil(whole.length / size) }, (_, i) => whole.subarray(i * size, (i + 1) * size));

describe('MultipartUploader, a batch uploaded whole', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['WHEN_SUPPORTED', true],
    ['WHEN_REQUIRED', false],
  ] as const)(
    'with checksumMode %s (first attempt: %s), signs each part and a small PutObject with the SHA-256 of its body and sends the CRC32 S3 checks, hashed a slice a turn',
    async (checksumMode, firstAttempt) => {
      const { client, sent } = signingClient(checksumMode);
      const uploads = uploader(client, checksumMode);
      // The SDK would hash each body whole, in the turn that sends it.
      const update = vi.spyOn(Hash.prototype, 'update');
      const all = bytes(7, 2 * PART + 12_345);
      const small = bytes(1, 3 * MIB);
      const big = await uploads.upload(request('prefix/big.gz', piecesOf(all, 4 * MIB), firstAttempt));
      const alone = await uploads.upload(request('prefix/small.gz', piecesOf(small, 64 * 1024), firstAttempt));
      await uploads.close();
      client.destroy();
      const hashed = update.mock.calls.map(([data]) => Buffer.byteLength(data as string | Uint8Array));
      update.mockRestore();

      expect(big).toMatchObject({ parts: 3, alreadyExisted: false });
      expect(alone).toMatchObject({ parts: 1, alreadyExisted: false });
      expect(sent.map((s) => s.kind)).toEqual(['UploadPart', 'UploadPart', 'UploadPart', 'PutObject']);
      const parts = sent.filter((s) => s.kind === 'UploadPart').sort((a, b) => Number(a.body[0]) - Number(b.body[0]));
      expect(parts.map((p) => p.body.length).sort((a, b) => b - a)).toEqual([PART, PART, all.length - 2 * PART]);
      expect(Buffer.concat(sent.filter((s) => s.kind === 'UploadPart').map((p) => p.body)).length).toBe(all.length);
      expect(sent.at(-1)?.body.equals(small)).toBe(true);
      for (const { headers, body } of sent) {
        expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(body));
        expect(headers['x-amz-checksum-crc32']).toBe(checksumMode === 'WHEN_SUPPORTED' ? crc.toString('base64') : undefined);
      }
      expect(Math.max(...hashed)).toBeLessThanOrEqual(SUM_SLICE_BYTES);
    },
  );

  it('sends no part once the attempt is aborted while the part is being hashed, and aborts the multipart upload it created', async () => {
    const { client, sent, aborted } = signingClient('WHEN_SUPPORTED');
    const uploads = uploader(client, 'WHEN_SUPPORTED');
    const controller = new AbortController();
    // Called below with its own `this`, through apply.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const realUpdate = Hash.prototype.update;
    let slices = 0;
    // The third slice of the first part: the part is being hashed, a turn at a time.
    vi.spyOn(Hash.prototype, 'update').mockImplementation(function (this: Hash, ...args: Parameters<Hash['update']>) {
      if ((slices += 1) === 3) controller.abort(new Error('shutdown deadline'));
      return realUpdate.apply(this, args);
    });
    const all = bytes(3, 2 * PART);
    await expect(uploads.upload(request('prefix/aborted.gz', piecesOf(all, 4 * MIB), true, controller.signal))).rejects.toThrow();
    await uploads.close();
    client.destroy();
    expect(slices).toBeGreaterThanOrEqual(3);
    expect(sent).toEqual([]);
    // lib-storage aborts it too on abort; either answer leaves no upload behind.
    expect([...new Set(aborted)]).toEqual(['upload-1']);
  });
});
