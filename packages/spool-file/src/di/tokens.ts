import type { ServiceIdentifier } from 'inversify';
import type { FileSpoolOptions } from '../config.js';

export const FILE_SPOOL_OPTIONS = Symbol.for('@sluice/spool-file:Options') as ServiceIdentifier<FileSpoolOptions>;
