import type { BatchInfo } from '../batch/BatchInfo.js';

/**
 * Names the object a batch is written to. Must be a pure function of the batch info and the
 * extension: the same batch always gets the same key, which is what makes retries idempotent.
 */
export interface KeyFormatter<Target = unknown> {
  format(batch: BatchInfo<Target>, extension: string): string;
}
