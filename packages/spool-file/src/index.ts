export { fileSpoolOptionsSchema, parseFileSpoolOptions, type FileSpoolOptions } from './config.js';
export { fileSpoolModule } from './di/fileSpoolModule.js';
export { FILE_SPOOL_OPTIONS } from './di/tokens.js';
export { listSpool, type SpoolListing } from './cli/listSpool.js';
export { replayDeadLetters, type ReplayOptions } from './cli/replayDeadLetters.js';
export { FileSpool } from './spool/FileSpool.js';
export { FileSpoolBatch } from './spool/FileSpoolBatch.js';
