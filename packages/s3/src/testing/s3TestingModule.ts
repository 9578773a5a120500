import { ContainerModule } from 'inversify';
import { scopedToken, UPLOADER } from '@sluice/core';
import { InMemoryUploader } from './InMemoryUploader.js';

/**
 * Swaps the S3 destination's uploader for an in-memory one (other destinations keep theirs).
 * Load it with `s3Module()`, in any order. Returns the module and the uploader to assert on.
 *
 * ```ts
 * const { module, uploader } = s3TestingModule();
 * const sluice = createSluice({ modules: [module, s3Module()] });
 * ```
 */
export function s3TestingModule(uploader = new InMemoryUploader()): { module: ContainerModule; uploader: InMemoryUploader } {
  return {
    module: new ContainerModule(({ bind }) => {
      bind(scopedToken(UPLOADER, 's3')).toConstantValue(uploader);
    }),
    uploader,
  };
}
