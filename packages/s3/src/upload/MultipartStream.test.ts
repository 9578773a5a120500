import { createHash, Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { PutObjectCommand, type S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseS3Options } from '../config.js';
import { MultipartStream } from './MultipartStream.js';
import { signingClient } from '../../test-support/signingClient.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;

/** An S3 client that answers every command at once and keeps the bodies of PutObject and UploadPart. */
function recordingClient() {
  const bodies: Array<{ readonly command: string; readonly body: Buffer }> = [];
  const client = {
    send: (command: { constructor: { name: string }; input: { Body?: Uint8Array } }) => {
      if (command instanceof PutObjectCommand || command instanceof UploadPartCommand) {
        bodies.push({ command: command.constructor.name, body: Buffer.from(command.input.Body as Uint8Array) });
      }
      return Promise.resolve({ UploadId: 'upload-1', ETag: '"etag"' });
    },
  };
  return { client: client as unknown as S3Client, bodies };
}

function stream(client: S3Client, options: Parameters<typeof parseS3Options>[0] = {}) {
  return new MultipartStream({
    client: Promise.resolve(client),
    bucket: 'bucket',
    key: 'prefix/object.gz',
    contentType: 'application/gzip',
    options: parseS3Options({ partSizeBytes: PART, partConcurrency: 2, ...options }),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    signal: new AbortController().signal,
    onStored: () => {},
    onSettled: () => {},
  });
}

/** `count` bytes counting up from `from`, so a misplaced byte shows. */
const bytes = (from: number, count: number) => Buffer.from(Array.from({ length: count }, (_, i) => (from + i) % 251));

describe('MultipartStream', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('holds a small object in a buffer as small as what was written, not a whole part, and puts it in one PutObject', async () => {
    const allocations: number[] = [];
    const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
    vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => (allocations.push(size), allocUnsafe(size)));
    const { client, bodies } = recordingClient();
    const object = stream(client);
    await object.write(bytes(0, 100));
    await object.write(bytes(100, 200));
    const result = await object.end();
    expect(bodies).toEqual([{ command: 'PutObjectCommand', body: bytes(0, 300) }]);
    expect(result).toMatchObject({ bytes: 300, parts: 1 });
    expect(allocations.filter((size) => size >= PART)).toEqual([]);
  });

  it('grows the first part as pieces come, copying what it held, and sends every part exactly as written', async () => {
    const { client, bodies } = recordingClient();
    const object = stream(client);
    const written: Buffer[] = [];
    let at = 0;
    // Uneven pieces, so growth and part boundaries fall inside pieces.
    for (const size of [10, 300 * 1024, 700 * 1024, 3 * MIB, 2 * MIB + 7, 6 * MIB, 123]) {
      const piece = bytes(at, size);
      written.push(piece);
      at += size;
      await object.write(piece);
    }
    const result = await object.end();
    const all = Buffer.concat(written);
    expect(bodies.map((b) => b.command)).toEqual(['UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand']);
    expect(bodies.map((b) => b.body.length)).toEqual([PART, PART, all.length - 2 * PART]);
    expect(Buffer.concat(bodies.map((b) => b.body)).equals(all)).toBe(true);
    expect(result).toMatchObject({ bytes: all.length, parts: 3 });
  });

  it.each(['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const)(
    'with checksumMode %s, signs each part and a small PutObject with the SHA-256 of its body and sends the CRC32 S3 checks, both gathered as the pieces came',
    async (checksumMode) => {
      const { client, sent: parts } = signingClient(checksumMode);
      // The SDK would hash each body whole, in the turn that sends it.
      const update = vi.spyOn(Hash.prototype, 'update');
      const small = bytes(1, 1_000);
      const all = bytes(7, 2 * PART + 12_345);
      const object = stream(client, { checksumMode });
      for (let at = 0; at < all.length; at += 3 * MIB) await object.write(all.subarray(at, at + 3 * MIB));
      await object.end();
      const alone = stream(client, { checksumMode });
      await alone.write(small);
      await alone.end();
      expect(Buffer.concat(parts.slice(0, -1).map((part) => part.body)).equals(all)).toBe(true);
      expect(parts.at(-1)?.body.equals(small)).toBe(true);
      expect(Math.max(...update.mock.calls.map(([data]) => data.length))).toBeLessThanOrEqual(3 * MIB);
      for (const { headers, body } of parts) {
        expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(body));
        expect(headers['x-amz-checksum-crc32']).toBe(checksumMode === 'WHEN_SUPPORTED' ? crc.toString('base64') : undefined);
      }
      client.destroy();
    },
  );
});
