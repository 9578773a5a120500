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

  append(record: string): void {
    this.#text += record;
    if (this.#text.length >= CHUNK_CHARS) this.#flush();
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

  #flush(): void {
    if (this.#text.length === 0) return;
    this.#chunks.push(Buffer.from(this.#text, 'utf8'));
    this.#text = '';
  }
}
