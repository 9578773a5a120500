/** What a delivered event's receipt resolves with. */
export interface DeliveryReport {
  readonly id: string;
  readonly destination: string;
  /** The object's key. */
  readonly key: string;
  /** The object's location, e.g. `s3://bucket/key`. */
  readonly location: string;
  readonly deliveredAt: number;
}

/**
 * Returned synchronously by every send. `delivered` is created on first access only, so a
 * caller who does not ask pays for no promise; it resolves once the event's object is
 * stored and never rejects (a failing batch stays pending and is retried).
 */
export interface Receipt {
  readonly id: string;
  readonly delivered: Promise<DeliveryReport>;
  /**
   * Only in fleet mode (an Intake is bound): resolves once the event is stored in the shared
   * log, from where the owner of its shard delivers it (with a durable spool in front of the
   * log: once it is in the spool, at once); rejects if it could not be stored.
   */
  readonly persisted?: Promise<void>;
}
