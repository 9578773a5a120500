import { ContainerModule } from 'inversify';
import { SPOOL } from '@sluice/core';
import { parseFileSpoolOptions, type FileSpoolOptions } from '../config.js';
import { FileSpool } from '../spool/FileSpool.js';
import { FILE_SPOOL_OPTIONS } from './tokens.js';

/**
 * Binds the durable file spool to SPOOL, in place of core's memory spool. Load it in
 * `createSluice({ modules })`; throws ValidationError for bad options.
 */
export function fileSpoolModule(options: Partial<FileSpoolOptions> & { directory: string }): ContainerModule {
  const parsed = parseFileSpoolOptions(options);
  return new ContainerModule(({ bind }) => {
    bind(FILE_SPOOL_OPTIONS).toConstantValue(parsed);
    bind(SPOOL).to(FileSpool).inSingletonScope();
  });
}
