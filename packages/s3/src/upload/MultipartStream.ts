import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Logger, UploadResult, UploadStream } from '@sluice/core';
import type { S3Options } from '../config.js';
import { isAlreadyExists } from './isAlreadyExists.js';
import { objectParams } from './objectParams.js';
import { PartHasher, withSums, type PartSums } from './partSums.js';
import { toDeliveryError } from './toDeliveryError.js';

/** The first size of the first part's buffer: a minute's object is often far smaller than a part. */
const FIRST_PART_BYTES = 256 * 1024;

export interface MultipartStreamParts {
  readonly client: Promise<S3Client>;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly options: S3Options;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly onStored: (bytes: number) => void;
  /** Called once, when the stream has ended or been aborted (the key is no longer in flight). */
  readonly onSettled: () => void;
}

/**
 * An object written with the multipart API while its batch is open. Pieces gather into parts
 * of exactly `partSizeBytes`; a full part is uploaded at once, `partConcurrency` at a time
 * (a write waits while that many are uploading, which is how a slow S3 reaches the producer as
 * backpressure). The upload is created with the first part; an object that never fills one is
 * a single PutObject at the end. The final request carries `If-None-Match: *` with
 * `conditionalWrite`. A request that still fails after the SDK's retries fails the stream,
 * which aborts its upload: the sluice then uploads the batch whole.
 */
export class MultipartStream implements UploadStream {
  readonly #parts: MultipartStreamParts;
  /**
   * The part being gathered: pieces are copied in as they are written (a fraction of a
   * millisecond each) instead of joined when it is full, which held the event loop for a
   * copy of the whole part into fresh memory, and kept every piece alive until then.
   */
  #part: Buffer | undefined;
  #filled = 0;
  /**
   * The checksums of the part gathered so far, updated as each piece is copied in, so the SDK
   * does not hash the whole part in the turn that sends it (see PartHasher).
   */
  readonly #partSums: PartHasher;
  #uploadId: Promise<string> | undefined;
  readonly #completed: CompletedPart[] = [];
  readonly #uploading = new Set<Promise<void>>();
  #nextPart = 1;
  /** A part was started: the object is a multipart upload. */
  #multipart = false;
  #bytes = 0;
  #failure: Error | undefined;
  #settled = false;

  constructor(parts: MultipartStreamParts) {
    this.#parts = parts;
    this.#partSums = new PartHasher(parts.options.checksumMode);
  }

  async write(piece: Uint8Array): Promise<void> {
    this.#check();
    const { partSizeBytes } = this.#parts.options;
    this.#bytes += piece.length;
    for (let offset = 0; offset < piece.length; ) {
      const n = Math.min(piece.length - offset, partSizeBytes - this.#filled);
      const part = this.#room(n);
      const bytes = offset === 0 && n === piece.length ? piece : piece.subarray(offset, offset + n);
      part.set(bytes, this.#filled);
      this.#partSums.update(bytes);
      this.#filled += n;
      offset += n;
      if (this.#filled === partSizeBytes) this.#startPart();
    }
    while (this.#uploading.size >= this.#parts.options.partConcurrency) await Promise.race(this.#uploading);
    this.#check();
  }

  async end(): Promise<UploadResult> {
    const { bucket, key } = this.#parts;
    const location = `s3://${bucket}/${key}`;
    try {
      this.#check();
      if (!this.#multipart) return await this.#putWhole(location);
      if (this.#filled > 0) this.#startPart();
      while (this.#uploading.size > 0) await Promise.race(this.#uploading);
      this.#check();
      const client = await this.#parts.client;
      const uploadId = await (this.#uploadId as Promise<string>);
      const parts = [...this.#completed].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      try {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
            ...(this.#parts.options.conditionalWrite ? { IfNoneMatch: '*' } : {}),
          }),
          { abortSignal: this.#parts.signal },
        );
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        // An earlier attempt stored the object: this upload's parts must not stay behind.
        await this.abort();
        return { location, bytes: this.#bytes, parts: parts.length, alreadyExisted: true };
      }
      this.#settle();
      return { location, bytes: this.#bytes, parts: parts.length, alreadyExisted: false };
    } catch (error) {
      await this.abort();
      throw this.#failure ?? toDeliveryError(error, location);
    }
  }

  async abort(): Promise<void> {
    if (this.#settled) return;
    this.#settle();
    this.#failure ??= new Error('the stream was aborted');
    const uploadId = await this.#uploadId?.catch(() => undefined);
    if (uploadId === undefined) return;
    const { bucket, key } = this.#parts;
    try {
      const client = await this.#parts.client;
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      // The orphan sweep finds it later; nothing else can be done now.
      this.#parts.logger.warn('could not abort a multipart upload; the orphan sweep will', { bucket, key, error: String(error) });
    }
  }

  #check(): void {
    if (this.#failure) throw this.#failure;
    if (this.#parts.signal.aborted) throw (this.#failure = toDeliveryError(this.#parts.signal.reason, `s3://${this.#parts.bucket}/${this.#parts.key}`));
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#parts.onSettled();
  }

  /** The object never filled a part: one PutObject, as lib-storage does for small bodies. */
  async #putWhole(location: string): Promise<UploadResult> {
    const body = this.#part ? this.#part.subarray(0, this.#filled) : Buffer.alloc(0);
    const { bucket, key, contentType, options } = this.#parts;
    const client = await this.#parts.client;
    let alreadyExisted = false;
    try {
      const command = new PutObjectCommand({ ...objectParams(options, bucket, key, contentType), Body: body, ...(options.conditionalWrite ? { IfNoneMatch: '*' } : {}) });
      await client.send(withSums(command, this.#partSums.take(), options.checksumMode), { abortSignal: this.#parts.signal });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      alreadyExisted = true;
    }
    this.#parts.onStored(body.length);
    this.#settle();
    return { location, bytes: body.length, parts: 1, alreadyExisted };
  }

  /**
   * The part buffer, with room for `bytes` more. Until the object fills its first part it may
   * still be one small PutObject, so the buffer grows (doubling, from FIRST_PART_BYTES) with
   * what is written instead of taking partSizeBytes at once; every later part is whole from
   * the start, so a large object pays for the growth of its first part only.
   */
  #room(bytes: number): Buffer {
    const { partSizeBytes } = this.#parts.options;
    const need = this.#filled + bytes;
    if (this.#part && this.#part.length >= need) return this.#part;
    const size = this.#multipart ? partSizeBytes : Math.min(partSizeBytes, Math.max(need, FIRST_PART_BYTES, 2 * (this.#part?.length ?? 0)));
    const part = Buffer.allocUnsafe(size);
    this.#part?.copy(part, 0, 0, this.#filled);
    this.#part = part;
    return part;
  }

  /** Starts uploading the part gathered so far as the next part. */
  #startPart(): void {
    this.#multipart = true;
    const body = (this.#part as Buffer).subarray(0, this.#filled);
    const sums = this.#partSums.take();
    this.#part = undefined;
    this.#filled = 0;
    const partNumber = this.#nextPart++;
    const uploading: Promise<void> = this.#uploadPart(partNumber, body, sums)
      .catch((error: unknown) => {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => this.#uploading.delete(uploading));
    this.#uploading.add(uploading);
  }

  async #uploadPart(partNumber: number, body: Buffer, sums: PartSums): Promise<void> {
    const { bucket, key, contentType, options } = this.#parts;
    const client = await this.#parts.client;
    this.#uploadId ??= client
      .send(new CreateMultipartUploadCommand(objectParams(options, bucket, key, contentType, options.checksumMode === 'WHEN_SUPPORTED')), {
        abortSignal: this.#parts.signal,
      })
      .then(({ UploadId }) => {
        if (!UploadId) throw new Error('CreateMultipartUpload answered without an UploadId.');
        return UploadId;
      });
    const uploadId = await this.#uploadId;
    // The SDK retries a failed request (maxAttempts); past that the stream fails, and the
    // sluice uploads the batch whole instead, with its own backoff, events and dead letters.
    const command = withSums(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }), sums, options.checksumMode);
    const answer = await client.send(command, { abortSignal: this.#parts.signal });
    if (!answer.ETag) throw new Error(`UploadPart ${partNumber} answered without an ETag.`);
    this.#completed.push({
      PartNumber: partNumber,
      ETag: answer.ETag,
      ...(answer.ChecksumCRC32 ? { ChecksumCRC32: answer.ChecksumCRC32 } : {}),
      ...(answer.ChecksumCRC32C ? { ChecksumCRC32C: answer.ChecksumCRC32C } : {}),
    });
    this.#parts.onStored(body.length);
  }
}
