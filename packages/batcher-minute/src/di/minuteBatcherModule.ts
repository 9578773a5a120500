import { ContainerModule } from 'inversify';
import { BATCHER } from '@sluice/core';
import { MinuteBatcher } from '../batch/MinuteBatcher.js';
import { parseMinuteBatcherOptions, type MinuteBatcherOptions } from '../config.js';
import { MINUTE_BATCHER_OPTIONS } from './tokens.js';

/**
 * Binds the minute batcher to BATCHER unless another batcher is bound already.
 * Throws ValidationError for bad options.
 */
export function minuteBatcherModule(options: Partial<MinuteBatcherOptions> = {}): ContainerModule {
  const parsed = parseMinuteBatcherOptions(options);
  return new ContainerModule(({ bind, isBound }) => {
    if (isBound(BATCHER)) return;
    bind(MINUTE_BATCHER_OPTIONS).toConstantValue(parsed);
    bind(BATCHER).to(MinuteBatcher).inSingletonScope();
  });
}
