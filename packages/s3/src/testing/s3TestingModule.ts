import { ContainerModule } from 'inversify';
import { UPLOADER } from '@sluice/core';
import { InMemoryUploader } from './InMemoryUploader.js';

/**
 * Swaps the S3 uploader for an in-memory one; load it before `s3Module()`. Returns the
 * module and the uploader to assert on.
 *
 * ```ts
 * const { module, uploader } = s3TestingModule();
 * const sluice = createSluice({ modules: [module, s3Module()] });
 * ```
 */
export function s3TestingModule(uploader = new InMemoryUploader()): { module: ContainerModule; uploader: InMemoryUploader } {
  return { module: new ContainerModule(({ bind }) => void bind(UPLOADER).toConstantValue(uploader)), uploader };
}
