/** The smallest buffer the pool hands out. */
const MIN_BYTES = 16 * 1024;

/**
 * Buffers for chunk bodies, given back once Redis has a chunk and taken again by the next
 * ones: a producer's steady state then allocates (and page-faults) nothing new per append.
 * Keeps at most `maxBytes` of free buffers; the rest goes to the garbage collector.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];
  #freeBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A buffer of at least `bytes` (contents undefined). */
  take(bytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.#free.length; i += 1) {
      const length = (this.#free[i] as Buffer).length;
      if (length >= bytes && (best < 0 || length < (this.#free[best] as Buffer).length)) best = i;
    }
    if (best >= 0) {
      const buffer = this.#free[best] as Buffer;
      this.#free[best] = this.#free[this.#free.length - 1] as Buffer;
      this.#free.pop();
      this.#freeBytes -= buffer.length;
      return buffer;
    }
    let capacity = MIN_BYTES;
    while (capacity < bytes) capacity *= 2;
    return Buffer.allocUnsafe(capacity);
  }

  /** Hands a buffer back; nothing may use it afterwards. */
  give(buffer: Buffer): void {
    if (this.#freeBytes + buffer.length > this.maxBytes) return;
    this.#free.push(buffer);
    this.#freeBytes += buffer.length;
  }
}
