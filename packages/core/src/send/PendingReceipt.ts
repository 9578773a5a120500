import type { EventIds } from '../ids/EventIds.js';
import type { Batch } from '../pipeline/Batch.js';
import type { DeliveryReport, Receipt } from './Receipt.js';

/** A receipt whose id is spelled out, and whose delivery promise is made, only if someone asks. */
export class PendingReceipt implements Receipt {
  #id: string | number;
  readonly #batch: Batch;
  readonly #ids: EventIds;
  #delivered: Promise<DeliveryReport> | undefined;

  /** @param id the id the sender gave, or the sequence number of one the sluice made. */
  constructor(id: string | number, batch: Batch, ids: EventIds) {
    this.#id = id;
    this.#batch = batch;
    this.#ids = ids;
  }

  get id(): string {
    if (typeof this.#id === 'number') this.#id = this.#ids.format(this.#id);
    return this.#id;
  }

  get delivered(): Promise<DeliveryReport> {
    return (this.#delivered ??= this.#batch.whenDelivered(this.id));
  }
}
