import { injectable } from 'inversify';
import type { RecoveredBatch, Spool, SpoolBatch, SpooledBatchMeta } from './Spool.js';

/** Records are concatenated as text and written out as bytes once per this many characters. */
const TEXT_CHARS = 64 * 1024;
/**
 * A batch's bytes go into slabs of 64 KiB until it holds 1 MiB, of 1 MiB until it holds
 * 4 MiB, then of 4 MiB: the unused end of the last slab stays a small part of any batch.
 */
const SMALL_SLAB_BYTES = 64 * 1024;
const MEDIUM_SLAB_BYTES = 1024 * 1024;
const LARGE_SLAB_BYTES = 4 * 1024 * 1024;

/**
 * The default spool: records in memory, lost with the process.
 *
 * Records are not kept as one string each: short-lived strings are cheap for the garbage
 * collector, but hundreds of thousands of surviving ones make every young-generation
 * collection copy them. Appending to a rope and writing it out every 64 KiB lets each record
 * die young and keeps the batch's bytes outside the JavaScript heap.
 *
 * The bytes go into slabs that grow to 4 MiB, the size the S3 serializer feeds gzip: most of
 * a busy batch is handed over without another copy (copying all of it into such pieces at
 * upload time churned enough memory to double the collector's pauses), and a quiet one
 * holds at most 64 KiB it does not use.
 */
@injectable()
export class MemorySpool implements Spool {
  open(_meta: SpooledBatchMeta): MemorySpoolBatch {
    return new MemorySpoolBatch();
  }

  /** A memory spool starts empty: what a dead process held is gone. */
  recover(): RecoveredBatch[] {
    return [];
  }

  close(): void {}
}

export class MemorySpoolBatch implements SpoolBatch {
  /** Full slabs, trimmed to what they hold. */
  #chunks: Uint8Array[] = [];
  /** Bytes in the slabs filled so far, taken or not: sizes the next slab. */
  #full = 0;
  #slab: Buffer | undefined;
  #used = 0;
  #text = '';

  append(record: string): number {
    this.#text += record;
    return this.#text.length >= TEXT_CHARS ? this.#writeText() : 0;
  }

  /** Memory cannot fail half way: the records join the text gathered so far. */
  appendMany(records: readonly string[]): number {
    let bytes = 0;
    for (const record of records) bytes += this.append(record);
    return bytes;
  }

  contents(): readonly Uint8Array[] {
    this.#writeText();
    // A view of the slab being filled: appends after this write past its end.
    return this.#slab && this.#used > 0 ? [...this.#chunks, this.#slab.subarray(0, this.#used)] : this.#chunks;
  }

  /** Hands over what was appended since the last take and lets go of it: the caller holds the only copy. */
  take(): readonly Uint8Array[] {
    const taken = this.contents();
    this.#chunks = [];
    this.#full += this.#used;
    this.#slab = undefined;
    this.#used = 0;
    return taken;
  }

  discard(): void {
    this.#chunks = [];
    this.#full = 0;
    this.#slab = undefined;
    this.#used = 0;
    this.#text = '';
  }

  // Dead letters of a memory spool stay in memory, listed by the sluice until replayed.
  deadLetter(): void {}

  revive(): void {}

  /** Writes the text gathered so far into the slab; returns its bytes beyond one per character. */
  #writeText(): number {
    const text = this.#text;
    if (text.length === 0) return 0;
    this.#text = '';
    // One measuring pass lets ASCII text (most JSON) be copied as Latin-1, which is its
    // UTF-8, instead of being encoded, and says whether it fits the slab.
    const bytes = Buffer.byteLength(text);
    if (!this.#slab || this.#slab.length - this.#used < bytes) this.#nextSlab(bytes);
    const slab = this.#slab as Buffer;
    this.#used += slab.write(text, this.#used, bytes === text.length ? 'latin1' : 'utf8');
    return bytes - text.length;
  }

  #nextSlab(bytes: number): void {
    if (this.#slab && this.#used > 0) this.#chunks.push(this.#slab.subarray(0, this.#used));
    this.#full += this.#used;
    const size = this.#full < MEDIUM_SLAB_BYTES ? SMALL_SLAB_BYTES : this.#full < LARGE_SLAB_BYTES ? MEDIUM_SLAB_BYTES : LARGE_SLAB_BYTES;
    this.#slab = Buffer.allocUnsafe(Math.max(size, bytes));
    this.#used = 0;
  }
}
