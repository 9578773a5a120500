import type { Logger } from '../log/Logger.js';
import type { DeadLetterReason } from '../spool/Spool.js';
import type { Batch } from './Batch.js';
import type { DeadLetter } from './SluiceEvents.js';

/**
 * Batches given up on after failing for `deadLetterAfterMs`, with why, oldest first. They
 * stay here (and, with a durable spool, in its dead-letter folder) until replayed: a batch
 * never vanishes.
 */
export class DeadLetters {
  readonly #letters = new Map<string, { batch: Batch; reason: DeadLetterReason }>();

  constructor(
    private readonly logger: Logger,
    private readonly onBuried: (letter: DeadLetter) => void,
  ) {}

  get size(): number {
    return this.#letters.size;
  }

  /** Moves a batch that kept failing here; the spool keeps it where a person can find it. */
  bury(batch: Batch, reason: DeadLetterReason): void {
    try {
      batch.records.deadLetter(reason);
    } catch (error) {
      // The records are still where they were: listed here, replayable in this process.
      this.logger.error('could not move a batch to the spool\'s dead letters; it stays listed in this process', {
        identifier: batch.identifier,
        error: String(error),
      });
    }
    this.add(batch, reason);
    const letter = describe(batch, reason);
    this.logger.error('batch moved to the dead letters after failing too long; replay it once the cause is fixed', { ...letter });
    this.onBuried(letter);
  }

  /** Lists a batch the spool already holds as a dead letter (found at start). */
  add(batch: Batch, reason: DeadLetterReason): void {
    batch.markDead();
    this.#letters.set(batch.identifier, { batch, reason });
  }

  list(): DeadLetter[] {
    return [...this.#letters.values()].map(({ batch, reason }) => describe(batch, reason));
  }

  batches(): Batch[] {
    return [...this.#letters.values()].map(({ batch }) => batch);
  }

  /** Takes the letters `filter` picks out, revived for another round of attempts. */
  take(filter: (letter: DeadLetter) => boolean): Batch[] {
    const taken: Batch[] = [];
    for (const [identifier, { batch, reason }] of [...this.#letters]) {
      if (!filter(describe(batch, reason))) continue;
      this.#letters.delete(identifier);
      try {
        batch.records.revive();
      } catch (error) {
        this.logger.warn('could not move a dead letter back in the spool; delivering it from where it is', {
          identifier,
          error: String(error),
        });
      }
      batch.revive();
      taken.push(batch);
    }
    return taken;
  }
}

function describe(batch: Batch, reason: DeadLetterReason): DeadLetter {
  return {
    identifier: batch.identifier,
    destination: batch.route.destination.name,
    route: batch.route.routeId,
    key: batch.key,
    events: batch.events,
    bytes: batch.bytes,
    reason,
  };
}
