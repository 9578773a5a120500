import type { Logger } from '../log/Logger.js';
import type { DeadLetterReason, Spool } from '../spool/Spool.js';
import { asSpoolError } from './BatchAssembler.js';
import { Batch } from './Batch.js';
import type { DestinationRegistry } from './DestinationRegistry.js';

export interface Recovered {
  /** Batches to deliver, under their original identities (so to the keys they would have had). */
  readonly pending: Batch[];
  readonly dead: Array<{ readonly batch: Batch; readonly reason: DeadLetterReason }>;
}

/** What a dead process left in a durable spool, as batches of the installed destinations. */
export function recoverSpool(spool: Spool, registry: DestinationRegistry, logger: Logger): Recovered {
  let found;
  try {
    found = spool.recover();
  } catch (error) {
    throw asSpoolError(error, 'could not be read at start');
  }
  const recovered: Recovered = { pending: [], dead: [] };
  for (const { meta, batch: records, events, bytes, deadLetter } of found) {
    const entry = registry.find(meta.destination);
    if (!entry) {
      logger.error('spooled batch of a destination that is not installed; left in the spool', {
        destination: meta.destination,
        route: meta.routeId,
        identifier: meta.identifier,
      });
      continue;
    }
    const route = { destination: entry.destination, routeId: meta.routeId, target: meta.target };
    const batch = new Batch(route, meta.identity, meta.identifier, meta.window, meta.openedAt, records, { events, bytes });
    if (deadLetter) recovered.dead.push({ batch, reason: deadLetter });
    else recovered.pending.push(batch);
  }
  if (recovered.pending.length > 0 || recovered.dead.length > 0) {
    logger.info('recovered batches from the spool', { batches: recovered.pending.length, deadLetters: recovered.dead.length });
  }
  return recovered;
}
