import { SluiceError } from './SluiceError.js';

/**
 * Thrown by `send()` when accepting the event would take the bytes accepted and not yet
 * delivered past `maxPendingBytes`. Nothing was enqueued; the event can be sent again once
 * `await sluice.ready()` resolves.
 */
export class BackpressureError extends SluiceError {
  constructor(
    readonly pendingBytes: number,
    readonly limit: number,
  ) {
    super(
      'SLUICE_BACKPRESSURE',
      `${pendingBytes} bytes are accepted and not yet delivered, and this event would pass the limit of ${limit} bytes (maxPendingBytes). ` +
        'Nothing was enqueued: wait with `await sluice.ready()` (or for the "ready" event) and send it again, drop it, or raise maxPendingBytes. ' +
        'A destination that keeps failing is the usual cause: see sluice.health().',
    );
  }
}
