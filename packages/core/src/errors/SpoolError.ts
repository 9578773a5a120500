import { SluiceError } from './SluiceError.js';

/**
 * Codes of {@link SpoolError}:
 * - `SLUICE_SPOOL_FULL`: the disk (or quota) is full; free space or move the spool.
 * - `SLUICE_SPOOL_WRITE_FAILED`: a write failed for another reason (permissions, I/O error).
 * - `SLUICE_SPOOL_UNAVAILABLE`: the spool folder is missing or unreadable.
 * - `SLUICE_SPOOL_LOCKED`: another process holds the spool folder.
 */
export type SpoolErrorCode = 'SLUICE_SPOOL_FULL' | 'SLUICE_SPOOL_WRITE_FAILED' | 'SLUICE_SPOOL_UNAVAILABLE' | 'SLUICE_SPOOL_LOCKED';

/**
 * A spool could not store or read what it holds. Thrown by `send()` when the record could not
 * be stored whole: the event was not accepted and the batch is left at its last whole record,
 * so nothing accepted before is affected and the event can be sent again once the cause is
 * fixed.
 */
export class SpoolError extends SluiceError {
  declare readonly code: SpoolErrorCode;

  constructor(
    code: SpoolErrorCode,
    message: string,
    /** The file or folder concerned. */
    readonly path?: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}
