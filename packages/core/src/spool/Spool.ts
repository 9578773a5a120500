/** The records of one batch, held by a {@link Spool} until the batch is delivered. */
export interface SpoolBatch {
  /** Appends one encoded record (with its terminator). Synchronous: it runs inside send(). */
  append(record: string): void;
  /** The bytes appended so far, in order, as chunks; their concatenation is the object's body before the serializer's framing. */
  contents(): readonly Uint8Array[];
  /** Forgets the batch once delivered. Safe to call twice. */
  discard(): void;
}

/**
 * Holds the records of open and sealed batches until they are delivered. The default keeps
 * them in memory (lost if the process dies); a durable spool keeps them in files.
 */
export interface Spool {
  /** Starts holding the records of batch `batchId` (its 64-hex identifier). */
  open(batchId: string): SpoolBatch;
}
