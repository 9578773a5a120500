import { SluiceError } from './SluiceError.js';

/** Thrown by `send()` after `close()` was called. */
export class ClosedError extends SluiceError {
  constructor() {
    super(
      'SLUICE_CLOSED',
      'This sluice is closed: send() is not accepted after close(). Create a new sluice with createSluice(), or call close() only when the application has stopped sending.',
    );
  }
}
