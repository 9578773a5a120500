import { injectable } from 'inversify';
import type { RecoveredBatch, Spool, SpoolBatch, SpooledBatchMeta } from './Spool.js';

/** Records are concatenated as text and turned into one off-heap chunk per this many characters. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The default spool: records in memory, lost with the process.
 *
 * Records are not kept as one string each: short-lived strings are cheap for the garbage
 * collector, but hundreds of thousands of surviving ones make every young-generation
 * collection copy them. Appending to a rope and converting it to a Buffer every 64 KiB lets
 * each record die young and keeps the batch's bytes outside the JavaScript heap.
 */
@injectable()
export class MemorySpool implements Spool {
  open(_meta: SpooledBatchMeta): SpoolBatch {
    return new MemorySpoolBatch();
  }

  /** A memory spool starts empty: what a dead process held is gone. */
  recover(): RecoveredBatch[] {
    return [];
  }

  close(): void {}
}

class MemorySpoolBatch implements SpoolBatch {
  #chunks: Uint8Array[] = [];
  #text = '';

  append(record: string): number {
    this.#text += record;
    return this.#text.length >= CHUNK_CHARS ? this.#flush() : 0;
  }

  contents(): readonly Uint8Array[] {
    this.#flush();
    return this.#chunks;
  }

  discard(): void {
    this.#chunks = [];
    this.#text = '';
  }

  // Dead letters of a memory spool stay in memory, listed by the sluice until replayed.
  deadLetter(): void {}

  revive(): void {}

  /** Turns the text gathered so far into a chunk; returns its bytes beyond one per character. */
  #flush(): number {
    const text = this.#text;
    if (text.length === 0) return 0;
    this.#text = '';
    // One measuring pass per chunk lets ASCII text (most JSON) be copied as Latin-1, which
    // is its UTF-8, instead of being encoded.
    const bytes = Buffer.byteLength(text);
    this.#chunks.push(Buffer.from(text, bytes === text.length ? 'latin1' : 'utf8'));
    return bytes - text.length;
  }
}
