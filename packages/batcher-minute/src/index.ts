export { MinuteBatcher } from './batch/MinuteBatcher.js';
export { minuteBatcherOptionsSchema, parseMinuteBatcherOptions, type MinuteBatcherOptions } from './config.js';
export { minuteBatcherModule } from './di/minuteBatcherModule.js';
export { MINUTE_BATCHER_OPTIONS } from './di/tokens.js';
