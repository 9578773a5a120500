import type { ServiceIdentifier } from 'inversify';
import type { MinuteBatcherOptions } from '../config.js';

export const MINUTE_BATCHER_OPTIONS = Symbol.for('@sluice/batcher-minute:Options') as ServiceIdentifier<MinuteBatcherOptions>;
