import type { Destination } from '../destination/Destination.js';
import type { Logger } from '../log/Logger.js';
import type { Spool } from '../spool/Spool.js';

/**
 * Closes every part once, in order: each destination, then its uploader and serializer (a
 * part shared by several destinations is closed once), the spool last. A part that fails to
 * close is logged; the others are closed all the same.
 */
export async function closeParts(destinations: Iterable<Destination>, spool: Spool, logger: Logger): Promise<void> {
  const parts = new Set<{ close?(): void | Promise<void> }>();
  for (const destination of destinations) parts.add(destination).add(destination.uploader).add(destination.serializer);
  parts.add(spool);
  for (const part of parts) {
    try {
      await part.close?.();
    } catch (error) {
      logger.warn('a part failed to close', { part: part.constructor.name, error: String(error) });
    }
  }
}
