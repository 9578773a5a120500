import type { SluiceError } from '../errors/SluiceError.js';

/** One item of `sendMany` refused for itself: bad parameters, too large, not serializable. */
export interface RefusedSend {
  /** Its 0-based position in the items. */
  readonly index: number;
  readonly error: SluiceError;
}

/**
 * What `sendMany` accepted. The accepted items are those before `stopped.index` (all, if it
 * did not stop) that are not in `refused`; `ids` holds their event ids in the same order.
 */
export interface SendManyResult {
  /** Event ids of the accepted items, in item order. */
  readonly ids: string[];
  /** Items refused one by one, by position; the others went on. */
  readonly refused: RefusedSend[];
  /**
   * Set when the call stopped early: from `index` on, nothing was accepted. `error` says why:
   * BackpressureError (retry after `ready()`), SpoolError (the spool could not store them; the
   * items of the failed write were all left out, none half stored).
   */
  readonly stopped?: { readonly index: number; readonly error: SluiceError };
}
