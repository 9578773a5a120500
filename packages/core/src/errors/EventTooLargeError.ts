import { SluiceError } from './SluiceError.js';

/** Thrown by `send()` when one encoded event is larger than `maxEventBytes`. */
export class EventTooLargeError extends SluiceError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'SLUICE_EVENT_TOO_LARGE',
      `The event encodes to ${bytes} bytes, over the limit of ${limit} bytes (maxEventBytes). ` +
        'Split the payload, or raise maxEventBytes in createSluice() options.',
    );
  }
}
