import { injectable } from 'inversify';
import type { Spool } from './Spool.js';

/** The default spool: records in memory, lost with the process. */
@injectable()
export class MemorySpool implements Spool {
  readonly #batches = new Map<string, string[]>();

  append(batchId: string, record: string): void {
    const records = this.#batches.get(batchId);
    if (records) records.push(record);
    else this.#batches.set(batchId, [record]);
  }

  records(batchId: string): readonly string[] {
    return this.#batches.get(batchId) ?? [];
  }

  discard(batchId: string): void {
    this.#batches.delete(batchId);
  }
}
