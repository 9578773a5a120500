import { randomBytes } from 'node:crypto';
import { batchIdentifier, type IntakeRecord, type Logger, type RecoveredBatch, type Spool, type SpoolBatch, type SpooledBatchMeta } from '@sluice/core';

/** The producer id of the spool batches a fleet producer writes (then its key prefix). */
const CHUNK_PRODUCER = 'sluice-fleet:';

/** A spool batch and how many of its pieces Redis does not have yet: it is discarded at 0. */
export interface SpoolHold {
  readonly batch: SpoolBatch;
  readonly identifier: string;
  pieces: number;
}

/**
 * A durable spool in front of the streams: each chunk of a producer is first a batch of the
 * spool (one per route, window and append), written record by record inside send(), and
 * discarded once Redis has the chunk. The batch's identifier is the append's id, so a chunk
 * appended again after a restart (its reply lost, or the process killed before the discard)
 * is added once.
 */
export class SpoolInFront {
  readonly #spool: Spool;
  readonly #producerId: string;
  /** Random per start: no batch of this process can share an identity with one of another. */
  readonly #incarnation = randomBytes(16).toString('hex');
  #sequence = 0;

  constructor(spool: Spool, keyPrefix: string) {
    this.#spool = spool;
    this.#producerId = `${CHUNK_PRODUCER}${keyPrefix}`;
  }

  /**
   * Whether a recovered batch is a chunk a fleet producer spooled (appended whole, under its
   * identifier) rather than a batch single-process mode left (appended in pieces).
   */
  static isChunk(meta: SpooledBatchMeta): boolean {
    return meta.identity.producerId.startsWith(CHUNK_PRODUCER);
  }

  /**
   * Starts a spool batch with the record as its first; throws SpoolError (nothing is then
   * stored) if the spool cannot take it.
   */
  open(record: IntakeRecord): SpoolHold {
    this.#sequence += 1;
    const identity = { routeId: record.routeId, windowStart: record.window.start, sequence: this.#sequence, producerId: this.#producerId, incarnation: this.#incarnation };
    const identifier = batchIdentifier(identity);
    const batch = this.#spool.open({ destination: record.destination, routeId: record.routeId, target: record.target, identity, identifier, window: record.window, openedAt: record.time });
    try {
      batch.append(record.record);
    } catch (error) {
      try {
        batch.discard();
      } catch {
        // The spool already said what failed; an empty batch left behind is discarded at the next start.
      }
      throw error;
    }
    return { batch, identifier, pieces: 1 };
  }

  /**
   * What the spool held at start, for destinations this process installs; dead letters stay
   * where `sluice-spool list` shows them. Throws SpoolError if the spool cannot be read.
   */
  recover(installed: ReadonlySet<string>, logger: Logger): RecoveredBatch[] {
    const found = this.#spool.recover();
    const pending: RecoveredBatch[] = [];
    for (const batch of found) {
      if (batch.deadLetter) {
        logger.warn('the spool holds a dead letter; fleet mode leaves it there (sluice-spool list shows it, sluice-spool replay makes it pending for the next start)', { identifier: batch.meta.identifier, route: batch.meta.routeId });
      } else if (!installed.has(batch.meta.destination)) {
        logger.error('spooled batch of a destination that is not installed; left in the spool', { destination: batch.meta.destination, route: batch.meta.routeId, identifier: batch.meta.identifier });
      } else {
        pending.push(batch);
      }
    }
    return pending;
  }
}
