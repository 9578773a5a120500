import type { BufferPool } from './BufferPool.js';
import type { SpoolHold } from './SpoolInFront.js';

/** What a producer keeps per route: its shard, its target as appended, and its open chunks. */
export interface RouteState {
  readonly destination: string;
  readonly routeId: string;
  /** The target as JSON, as each chunk of the route carries it. */
  readonly target: string;
  readonly shard: number;
  /** The chunk the route's last record joined (most records join the same one). */
  current: Chunk | undefined;
  /** Open chunks by window start: more than one at a window's turn, or with event times. */
  readonly open: Map<number, Chunk>;
  /** Bytes of the route's last chunk: the next one starts with about as much room. */
  lastBytes: number;
  /** When a chunk of the route last went to Redis (the sluice's clock): an idle route is forgotten. */
  usedAt: number;
}

/**
 * The records of one route and window, appended as one stream entry. The body is UTF-8 bytes
 * written once as records arrive, so an append hands Redis a Buffer: no string of the whole
 * chunk is ever built, measured or encoded again. Bodies come from a pool and go back to it
 * once Redis has them.
 */
export class Chunk {
  events = 0;
  /** With a durable spool in front: the spool batch that holds the chunk's records too. */
  hold: SpoolHold | undefined;
  #body: Buffer;
  #size = 0;

  constructor(
    readonly route: RouteState,
    readonly windowStart: number,
    readonly windowEnd: number,
    readonly firstTime: number,
    /** Accept sequence of its first record: everything accepted before the lowest such number is persisted. */
    readonly firstSeq: number,
    readonly pool: BufferPool,
  ) {
    this.#body = pool.take(route.lastBytes + (route.lastBytes >> 2));
  }

  /** Bytes of records so far. */
  get size(): number {
    return this.#size;
  }

  /** Adds one encoded record; returns its bytes. */
  add(record: string): number {
    // At most 3 bytes per UTF-16 unit: room for the record whatever it holds.
    if (this.#size + record.length * 3 > this.#body.length) this.#grow(this.#size + record.length * 3);
    const bytes = this.#body.write(record, this.#size);
    this.#size += bytes;
    this.events += 1;
    return bytes;
  }

  /** Adds records' bytes as read back from a spool (counted by the caller). */
  addBytes(bytes: Uint8Array): void {
    if (this.#size + bytes.length > this.#body.length) this.#grow(this.#size + bytes.length);
    this.#body.set(bytes, this.#size);
    this.#size += bytes.length;
  }

  /** The records' bytes (a view, valid until the next add). */
  body(): Buffer {
    return this.#body.subarray(0, this.#size);
  }

  /** Gives the body back to the pool once Redis has the chunk; the chunk is not used again. */
  release(): void {
    this.route.lastBytes = this.#size;
    this.pool.give(this.#body);
  }

  #grow(needed: number): void {
    const body = this.pool.take(Math.max(needed, this.#body.length * 2));
    this.#body.copy(body, 0, 0, this.#size);
    this.pool.give(this.#body);
    this.#body = body;
  }
}
