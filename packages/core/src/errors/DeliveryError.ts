import { SluiceError } from './SluiceError.js';

export interface DeliveryErrorDetails {
  /** The destination's code for the failure, e.g. S3's `AccessDenied` or `SlowDown`. */
  readonly code: string;
  /** Whether trying again soon can help (throttling, 5xx, dropped connections). */
  readonly retryable: boolean;
  /** Where the batch was going, e.g. `s3://bucket/key`. */
  readonly location: string;
  /** HTTP status, when there was a response. */
  readonly status?: number | undefined;
  /** What a person can do about it. */
  readonly hint?: string | undefined;
}

/** An attempt to write a batch failed. The batch stays pending and is retried. */
export class DeliveryError extends SluiceError {
  readonly retryable: boolean;
  readonly destinationCode: string;
  readonly location: string;
  readonly status: number | undefined;

  constructor(message: string, details: DeliveryErrorDetails, options?: ErrorOptions) {
    super(
      'SLUICE_DELIVERY_FAILED',
      `${message} (${details.code}${details.status ? `, HTTP ${details.status}` : ''}) writing ${details.location}.${
        details.hint ? ` ${details.hint}` : ''
      }`,
      options,
    );
    this.retryable = details.retryable;
    this.destinationCode = details.code;
    this.location = details.location;
    this.status = details.status;
  }
}
