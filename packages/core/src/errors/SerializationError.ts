import { SluiceError } from './SluiceError.js';

/** Thrown by `send()` when a payload cannot be encoded; no other event is affected. */
export class SerializationError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('SLUICE_UNSERIALIZABLE', message, options);
  }
}
