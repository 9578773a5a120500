import { SluiceError } from './SluiceError.js';

/**
 * `flush()` or `close()` stopped waiting because its `signal` was aborted. Named `AbortError`
 * like the errors of Node's own abortable APIs, so `error.name === 'AbortError'` checks hold;
 * its `cause` is the signal's reason. Nothing accepted is dropped: after flush() the batches
 * keep being delivered in the background; after close() what is undelivered stays in a
 * durable spool for the next start (with the memory spool it is lost when the process exits).
 */
export class AbortedError extends SluiceError {
  constructor(
    readonly operation: 'flush' | 'close',
    readonly pendingBatches: number,
    readonly pendingEvents: number,
    reason: unknown,
  ) {
    super(
      'SLUICE_ABORTED',
      `${operation}() was aborted while ${pendingBatches} batch(es) holding ${pendingEvents} event(s) were undelivered` +
        (operation === 'close'
          ? ': they stay in a durable spool for the next start; with the memory spool they are lost when the process exits.'
          : ': they stay pending and keep being delivered in the background; call flush() again to wait for them.'),
      { cause: reason },
    );
    this.name = 'AbortError';
  }
}
