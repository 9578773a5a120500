import type { DeadLetterReason } from '../spool/Spool.js';

/** Emitted after a batch is stored. */
export interface DeliveredEvent {
  readonly destination: string;
  readonly route: string;
  readonly key: string;
  readonly location: string;
  readonly events: number;
  /** Bytes of the object as stored (after serialization and compression). */
  readonly bytes: number;
  /** Bytes of the batch's encoded records, before the serializer frames or compresses them. */
  readonly recordBytes: number;
  /** Time of the batch's first event (ms since the epoch): its accept time, or its event time with an EventTime extractor. */
  readonly openedAt: number;
  /** When the object was stored (ms since the epoch, the sluice's clock). */
  readonly deliveredAt: number;
  readonly parts: number;
  /** The object was already there from an earlier attempt; counted as delivered. */
  readonly alreadyExisted: boolean;
  readonly attempts: number;
  /**
   * Fleet mode only: the object holds records appended after their window was sealed (a
   * producer held back past `graceMs`), written beside the window's own object.
   */
  readonly late?: boolean;
}

/** Emitted after a failed attempt; the batch stays pending and is retried after `retryInMs`. */
export interface DeliveryErrorEvent {
  readonly destination: string;
  readonly route: string;
  readonly key: string | undefined;
  readonly events: number;
  readonly attempt: number;
  readonly retryable: boolean;
  readonly retryInMs: number;
  /** The destination's error code, e.g. `AccessDenied`, `NoSuchBucket`, `SlowDown`. */
  readonly code: string;
  readonly error: unknown;
}

/** A batch given up on after `deadLetterAfterMs` of failures, kept where `deadLetters()` lists it. */
export interface DeadLetter {
  readonly identifier: string;
  readonly destination: string;
  readonly route: string;
  readonly key: string | undefined;
  readonly events: number;
  readonly bytes: number;
  readonly reason: DeadLetterReason;
}

export type SluiceEvents = {
  delivered: [DeliveredEvent];
  deliveryError: [DeliveryErrorEvent];
  deadLetter: [DeadLetter];
  /** Pending bytes fell back under the backpressure threshold: send() accepts again. */
  ready: [];
};

/** Every event name of {@link SluiceEvents}, for forwarding them all (abortSignal.test.ts checks none is missing). */
export const SLUICE_EVENT_NAMES = ['delivered', 'deliveryError', 'deadLetter', 'ready'] as const satisfies ReadonlyArray<keyof SluiceEvents>;
