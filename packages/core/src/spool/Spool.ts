/**
 * Holds the records of open and sealed batches until they are delivered. The default keeps
 * them in memory (lost if the process dies); a durable spool keeps them in files.
 */
export interface Spool {
  /** Appends one encoded record to the batch `batchId`, creating it on first use. */
  append(batchId: string, record: string): void;
  /** The records of a batch, in append order. */
  records(batchId: string): readonly string[];
  /** Forgets a delivered batch. Discarding an unknown batch is harmless. */
  discard(batchId: string): void;
}
