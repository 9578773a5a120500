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
}
