export { fileSpoolOptionsSchema, parseFileSpoolOptions, type FileSpoolOptions } from './config.js';
export { fileSpoolModule } from './di/fileSpoolModule.js';
export { FILE_SPOOL_OPTIONS } from './di/tokens.js';
export { listSpool, replayDeadLetters, type SpoolListing } from './cli/deadLetterFiles.js';
export { FileSpool } from './spool/FileSpool.js';
export { FileSpoolBatch } from './spool/FileSpoolBatch.js';
