import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Options } from '../config.js';
import { SUM_SLICE_BYTES, sumsInSlices, withSums } from './partSums.js';

type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/**
 * The requests of one lib-storage upload. lib-storage's `done()` rejects as soon as its abort
 * signal fires, yet the part uploads (and a CreateMultipartUpload) it started go on, and the SDK
 * retries them: an owner that let its shard go would still be writing parts after the next owner
 * had aborted the key's upload. Through {@link client} every request but AbortMultipartUpload
 * carries the upload's signal, so an abort cancels them, and {@link settled} says when none is
 * left; the upload id it created is noted so the uploader can abort it itself once they are.
 * A part's or a PutObject's body larger than a slice is hashed (SHA-256, and CRC32 with
 * checksumMode WHEN_SUPPORTED) a slice a turn before it is sent, and sent with those sums, so
 * the SDK does not hash a whole 8 MiB part in one turn (see sumsInSlices).
 */
export class UploadRequests {
  readonly #running = new Set<Promise<unknown>>();
  readonly #client: S3Client;
  #uploadId: string | undefined;
  #completed = false;

  constructor(client: S3Client, signal: AbortSignal, checksumMode: S3Options['checksumMode']) {
    const send = client.send.bind(client) as Send;
    const track: Send = (command, options) => {
      const aborting = command instanceof AbortMultipartUploadCommand;
      const sending = aborting ? options : { ...options, abortSignal: signal };
      const body = command instanceof PutObjectCommand || command instanceof UploadPartCommand ? command.input.Body : undefined;
      // A body of one slice or less is left to the SDK: hashing it whole takes no longer than a slice.
      const sent =
        body instanceof Uint8Array && body.length > SUM_SLICE_BYTES
          ? sumsInSlices(body, checksumMode, signal).then((sums) => send(withSums(command as PutObjectCommand | UploadPartCommand, sums, checksumMode), sending))
          : send(command, sending);
      const settled = sent.then(
        (answer) => {
          if (command instanceof CreateMultipartUploadCommand) this.#uploadId = (answer as { UploadId?: string }).UploadId;
          if (command instanceof CompleteMultipartUploadCommand) this.#completed = true;
        },
        () => {},
      );
      this.#running.add(settled);
      void settled.finally(() => this.#running.delete(settled));
      return sent;
    };
    this.#client = new Proxy(client, { get: (target, name, receiver): unknown => (name === 'send' ? track : Reflect.get(target, name, receiver)) });
  }

  /** The client to give lib-storage. */
  get client(): S3Client {
    return this.#client;
  }

  /** The multipart upload created and not completed, if any. */
  get openUploadId(): string | undefined {
    return this.#completed ? undefined : this.#uploadId;
  }

  /** Resolves once no request of the upload is under way. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
