import { ContainerModule } from 'inversify';
import { MemoryDeliveryLedger } from '../ledger/DeliveryLedger.js';
import { JsonLogger } from '../log/JsonLogger.js';
import { MemorySpool } from '../spool/MemorySpool.js';
import { SystemClock } from '../time/SystemClock.js';
import type { SluiceOptions } from '../config.js';
import { CLOCK, LEDGER, LOGGER, SLUICE_OPTIONS, SPOOL } from './tokens.js';

/**
 * Core defaults: wall clock, memory spool, bounded in-memory ledger, JSON logger on stderr.
 * Loaded after the user's modules, so any of these tokens bound there wins.
 */
export function coreModule(options: SluiceOptions): ContainerModule {
  return new ContainerModule(({ bind, isBound }) => {
    bind(SLUICE_OPTIONS).toConstantValue(options);
    if (!isBound(CLOCK)) bind(CLOCK).to(SystemClock).inSingletonScope();
    if (!isBound(SPOOL)) bind(SPOOL).to(MemorySpool).inSingletonScope();
    if (!isBound(LEDGER)) bind(LEDGER).toConstantValue(new MemoryDeliveryLedger(options.ledgerCapacity));
    if (!isBound(LOGGER)) bind(LOGGER).toConstantValue(new JsonLogger(options.logLevel));
  });
}
