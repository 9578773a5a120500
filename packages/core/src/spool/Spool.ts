import type { BatchWindow } from '../batch/Batcher.js';
import type { BatchIdentity } from '../batch/BatchInfo.js';

/** What a spool must keep about a batch to deliver it after a restart. JSON-serializable. */
export interface SpooledBatchMeta {
  /** The destination's name (`s3`). */
  readonly destination: string;
  readonly routeId: string;
  /** The route's target; must survive JSON.stringify (S3: bucket and prefix). */
  readonly target: unknown;
  readonly identity: BatchIdentity;
  readonly identifier: string;
  readonly window: BatchWindow;
  readonly openedAt: number;
}

/** Why a batch was given up on and moved to the dead letters. */
export interface DeadLetterReason {
  readonly at: number;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
  readonly firstFailureAt: number;
}

/** The records of one batch, held by a {@link Spool} until the batch is delivered. */
export interface SpoolBatch {
  /**
   * Appends one encoded record (with its terminator). Synchronous: it runs inside send().
   *
   * Returns how many bytes beyond one per character the records appended so far took, that
   * it has not reported yet. send() counts a record as its `length`, exact for ASCII (most
   * JSON), because measuring UTF-8 per event would cost a tenth of a send; the spool reports
   * the difference as soon as it has the bytes. A spool that writes each record reports it at
   * once; the memory spool every 64 KiB of text.
   *
   * Either the record is stored whole, or it throws a {@link SpoolError} (disk full, folder
   * gone, permissions) and the batch is left exactly as it was before the call: a record is
   * never half stored, and what was appended before stays deliverable.
   */
  append(record: string): number;
  /**
   * Optional: appends several encoded records at once, as `append` would one by one, and
   * returns the same count of bytes beyond one per character. All or nothing: either every
   * record is stored whole, or it throws a {@link SpoolError} and the batch is left exactly as
   * it was before the call. A durable spool writes them with one write, not one per record.
   * Without it the sluice appends one record at a time.
   */
  appendMany?(records: readonly string[]): number;
  /**
   * The bytes appended so far, in order, as chunks; their concatenation is the object's body
   * before the serializer's framing. Called once the batch is sealed (nothing is appended
   * after), once per delivery attempt. A spool that keeps records on disk streams them, so a
   * large batch is never held in memory whole.
   */
  contents(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /**
   * Optional: the bytes appended since the last call (or since the batch opened), in order,
   * for a batch streamed while open. A spool that only holds records in memory lets go of them
   * (the caller then holds the only copy); a durable spool keeps them, and `contents()` still
   * gives every record.
   */
  take?(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Forgets the batch once delivered. Safe to call twice. */
  discard(): void;
  /** Keeps the batch as a dead letter, with the reason, where a person can find and replay it. */
  deadLetter(reason: DeadLetterReason): void;
  /** Takes a dead letter back for another delivery attempt. */
  revive(): void;
}

/** A batch a spool found at start: left by a process that died, or a dead letter. */
export interface RecoveredBatch {
  readonly meta: SpooledBatchMeta;
  readonly batch: SpoolBatch;
  readonly events: number;
  readonly bytes: number;
  /** Set when the batch is a dead letter: it is listed, not retried, until replayed. */
  readonly deadLetter?: DeadLetterReason;
}

/**
 * Holds the records of open and sealed batches until they are delivered. The default keeps
 * them in memory (lost if the process dies); a durable spool keeps them in files and gives
 * them back at the next start through `recover()`.
 */
export interface Spool {
  /**
   * True if the records outlive the process (a crash loses nothing whose send() returned) and
   * records handed out by `SpoolBatch.take()` stay in the spool. Default: false.
   */
  readonly durable?: boolean;
  /** Starts holding the records of a batch. */
  open(meta: SpooledBatchMeta): SpoolBatch;
  /** Batches left by an earlier process, called once when the sluice starts. */
  recover(): RecoveredBatch[];
  /** Called once when the sluice has closed, after every other part: release files and locks. What is undelivered stays. */
  close(): void | Promise<void>;
}
