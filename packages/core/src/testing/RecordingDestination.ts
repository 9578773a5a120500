import { Readable } from 'node:stream';
import type { SchemaObject } from 'ajv';
import type { BatchInfo } from '../batch/BatchInfo.js';
import type { Destination, Route } from '../destination/Destination.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import { SerializationError } from '../errors/SerializationError.js';
import type { KeyFormatter } from '../key/KeyFormatter.js';
import type { Serializer } from '../serialization/Serializer.js';
import type { UploadRequest, UploadResult, Uploader } from '../upload/Uploader.js';
import type { UploadStream, UploadStreamRequest } from '../upload/UploadStream.js';

/** JSON.stringify as it behaves: undefined for undefined, a function or a symbol. */
const stringify = JSON.stringify as (value: unknown) => string | undefined;

/** One object a {@link RecordingDestination} received. */
export interface RecordedObject {
  readonly key: string;
  readonly batch: BatchInfo<{ readonly stream: string }>;
  /** The records as sent, decoded back from JSON. */
  readonly payloads: unknown[];
  readonly body: string;
}

/**
 * A destination for tests: `send.recording({ stream, payload })`, plain NDJSON, keys
 * `stream/windowStart-sequence.ndjson`, everything kept in `objects`. `failNext(n, error)`
 * makes the next n uploads fail, to exercise retries.
 */
export class RecordingDestination implements Destination<{ stream: string }, { readonly stream: string }> {
  readonly objects: RecordedObject[] = [];
  readonly paramsSchema: SchemaObject = {
    properties: { stream: { type: 'string', minLength: 1, description: 'Name of the stream.' } },
    required: ['stream'],
  };
  readonly serializer: Serializer = {
    extension: 'ndjson',
    contentType: 'application/x-ndjson',
    encode(payload) {
      let line: string | undefined;
      try {
        line = stringify(payload);
      } catch (error) {
        throw new SerializationError(`payload cannot be serialized: ${(error as Error).message}`, { cause: error });
      }
      if (line === undefined) throw new SerializationError('payload cannot be serialized: it is undefined');
      return `${line}\n`;
    },
    serialize: (body) => Readable.from(body),
  };
  readonly keyFormatter: KeyFormatter<{ readonly stream: string }> = {
    format: (batch, extension) =>
      `${batch.target.stream}/${batch.identity.windowStart}-${batch.identity.sequence}.${extension}`,
  };
  readonly uploader: Uploader<{ readonly stream: string }>;
  #failures: unknown[] = [];

  /** Pieces written to streams of batches still open or not yet stored, by key. */
  readonly streaming = new Map<string, Uint8Array[]>();

  /**
   * @param options.streaming the parts can stream busy batches while open: the serializer
   * frames runs as they are (NDJSON concatenates), the uploader keeps the pieces of each
   * stream and stores the object at its end. A failure queued by failNext() fails a write.
   */
  constructor(
    readonly name = 'recording',
    options: { readonly streaming?: boolean } = {},
  ) {
    this.uploader = { upload: (request) => this.#upload(request) };
    if (options.streaming) {
      this.serializer.frame = (records) => Promise.resolve(records);
      this.uploader.openStream = (request) => this.#openStream(request);
    }
  }

  route(params: { stream: string }): Route<{ readonly stream: string }> {
    return { id: params.stream, target: { stream: params.stream } };
  }

  /** The next `count` uploads throw `error` (default: a retryable DeliveryError). */
  failNext(count: number, error?: unknown): void {
    for (let i = 0; i < count; i += 1) {
      this.#failures.push(
        error ?? new DeliveryError('injected failure', { code: 'InjectedFailure', retryable: true, location: 'recording' }),
      );
    }
  }

  /** Forgets failures queued by failNext(). */
  clearFailures(): void {
    this.#failures = [];
  }

  async #upload(request: UploadRequest<{ readonly stream: string }>): Promise<UploadResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of request.body) chunks.push(Buffer.from(chunk as Uint8Array));
    if (this.#failures.length > 0) throw this.#failures.shift();
    return this.#store(request, chunks);
  }

  #openStream(request: UploadStreamRequest<{ readonly stream: string }>): UploadStream {
    const pieces: Uint8Array[] = [];
    this.streaming.set(request.key, pieces);
    return {
      write: (piece) => {
        const failure: unknown = this.#failures.shift();
        if (failure !== undefined) return Promise.reject(failure instanceof Error ? failure : new Error('injected failure'));
        pieces.push(piece);
        request.onStored(piece.length);
        return Promise.resolve();
      },
      end: () => {
        this.streaming.delete(request.key);
        return Promise.resolve(this.#store(request, pieces));
      },
      abort: () => {
        this.streaming.delete(request.key);
        return Promise.resolve();
      },
    };
  }

  #store(request: { readonly key: string; readonly batch: BatchInfo<{ readonly stream: string }> }, chunks: readonly Uint8Array[]): UploadResult {
    const body = Buffer.concat(chunks).toString('utf8');
    const payloads = body
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as unknown);
    this.objects.push({ key: request.key, batch: request.batch, payloads, body });
    return { location: `recording://${request.key}`, bytes: chunks.reduce((n, c) => n + c.length, 0), parts: 1, alreadyExisted: false };
  }
}
