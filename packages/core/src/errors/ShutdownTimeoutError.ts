import { SluiceError } from './SluiceError.js';

/** `flush()` or `close()` reached its deadline with batches still undelivered. */
export class ShutdownTimeoutError extends SluiceError {
  constructor(
    readonly operation: 'flush' | 'close',
    readonly timeoutMs: number,
    readonly pendingBatches: number,
    readonly pendingEvents: number,
  ) {
    super(
      'SLUICE_TIMEOUT',
      `${operation}() did not finish within ${timeoutMs} ms: ${pendingBatches} batch(es) holding ${pendingEvents} event(s) are undelivered. ` +
        'Look at the deliveryError events or health() for the cause' +
        (operation === 'close'
          ? '; with the memory spool those events are lost when the process exits.'
          : '; they stay pending and keep being retried.'),
    );
  }
}
