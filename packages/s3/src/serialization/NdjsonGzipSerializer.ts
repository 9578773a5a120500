import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { inject, injectable } from 'inversify';
import { SerializationError, type Serializer } from '@sluice/core';
import { S3_OPTIONS } from '../di/tokens.js';
import type { S3Options } from '../config.js';

/** Records are fed to gzip in chunks of about this many characters, never line by line. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Newline-delimited JSON, gzip-compressed: one `JSON.stringify` line per event, joined with
 * "\n" (never the platform separator) and ending with one. JSON escapes newlines inside
 * strings, so every event stays on one line.
 */
@injectable()
export class NdjsonGzipSerializer implements Serializer {
  readonly extension = 'gz';
  readonly contentType = 'application/gzip';
  readonly #level: number;

  constructor(@inject(S3_OPTIONS) options: Pick<S3Options, 'compressionLevel'>) {
    this.#level = options.compressionLevel;
  }

  encode(payload: unknown): string {
    let line: string | undefined;
    try {
      line = JSON.stringify(payload);
    } catch (error) {
      throw new SerializationError(
        `The payload cannot be serialized to JSON (${(error as Error).message}). ` +
          'Remove circular references and convert BigInt values (to strings, say) before sending.',
        { cause: error },
      );
    }
    if (line === undefined) {
      throw new SerializationError(
        `The payload is ${typeof payload === 'undefined' ? 'undefined' : `a ${typeof payload}`}, which JSON cannot represent. Send an object, array, string, number, boolean or null.`,
      );
    }
    return line;
  }

  serialize(records: readonly string[]): Readable {
    const gzip = createGzip({ level: this.#level });
    // pipeline() forwards errors and destroys the source if the consumer gives up early.
    pipeline(Readable.from(chunks(records)), gzip, () => {});
    return gzip;
  }
}

function* chunks(records: readonly string[]): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const record of records) {
    parts.push(record);
    size += record.length + 1;
    if (size >= CHUNK_CHARS) {
      yield parts.join('\n') + '\n';
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield parts.join('\n') + '\n';
}
