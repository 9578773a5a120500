import { SluiceError } from '../errors/SluiceError.js';
import type { DeliveryReport, Receipt } from '../send/Receipt.js';

/**
 * The receipt of an event taken by an {@link Intake}: `persisted` says when it reached the
 * intake's durable point. Another process delivers it, so `delivered` rejects (with
 * SLUICE_DELIVERY_UNTRACKED) when asked, rather than never settling.
 */
export class IntakeReceipt implements Receipt {
  #persisted: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly whenPersisted: () => Promise<void>,
  ) {}

  get persisted(): Promise<void> {
    return (this.#persisted ??= this.whenPersisted());
  }

  get delivered(): Promise<DeliveryReport> {
    return Promise.reject(
      new SluiceError(
        'SLUICE_DELIVERY_UNTRACKED',
        'This event is delivered by whichever process owns its shard, so this process cannot report its delivery: await receipt.persisted (or sluice.flush()) for the moment it is stored in the shared log.',
      ),
    );
  }
}
