import { createHash } from 'node:crypto';
import type { BatchIdentity } from './BatchInfo.js';

/**
 * The 64-hex SHA-256 of a batch identity. Fields are joined with a separator no route id
 * contains in practice (NUL), so distinct identities cannot collide by concatenation.
 */
export function batchIdentifier(identity: BatchIdentity): string {
  return createHash('sha256')
    .update(
      `${identity.routeId}\u0000${identity.windowStart}\u0000${identity.sequence}\u0000${identity.producerId}\u0000${identity.incarnation}`,
    )
    .digest('hex');
}
