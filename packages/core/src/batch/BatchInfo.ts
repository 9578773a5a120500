import type { BatchWindow } from './Batcher.js';

/**
 * The identity of a batch: fixed when it opens, stable across retries and restarts. Two
 * uploads of the same identity write the same key, so a retry never makes a second object.
 */
export interface BatchIdentity {
  /** The destination's canonical route, e.g. `s3://bucket/prefix/`. */
  readonly routeId: string;
  /** The batcher window's start, ms since the epoch. */
  readonly windowStart: number;
  /**
   * 0 for the first batch of a route and window; a cap that splits the window counts up. A
   * late batch (events of a window already sealed, see EventTime) has a negative sequence,
   * unique within the process.
   */
  readonly sequence: number;
  /** The id of the sluice that accepted the events (`producerId`, stable per replica if set). */
  readonly producerId: string;
  /**
   * Random per start of a sluice (128 bits, hex): no batch of another process, or of this
   * producer before a restart or after its clock stepped back, can share the identity.
   */
  readonly incarnation: string;
}

/** Everything a key formatter or uploader may know about a sealed batch. */
export interface BatchInfo<Target = unknown> {
  readonly identity: BatchIdentity;
  /** SHA-256 of the identity, 64 lowercase hex characters. */
  readonly identifier: string;
  /**
   * The time of the batch's first event (ms since the epoch): when send() accepted it, or its
   * event time with an EventTime extractor. The key's timestamp.
   */
  readonly openedAt: number;
  readonly window: BatchWindow;
  /** The destination-specific target (for S3: bucket and prefix). */
  readonly target: Target;
  readonly events: number;
  /** Bytes of the encoded records, before the serializer frames or compresses them. */
  readonly bytes: number;
}
