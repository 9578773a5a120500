import { ContainerModule } from 'inversify';
import { CLOCK, createSluice, type Sluice, type SluiceOptionsInput } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import type { S3OptionsInput } from '../src/config.js';
import { s3Module } from '../src/di/s3Module.js';
import { S3RVER_CREDENTIALS } from '@sluice/test-support';

/**
 * A sluice on a manual clock that writes to a test S3 server (or a proxy in front of it):
 * quiet, no exit hooks, s3rver's credentials, path-style addressing.
 */
export function testSluice(
  endpoint: string,
  options: { clock?: ManualClock; sluice?: SluiceOptionsInput; s3?: S3OptionsInput; modules?: ContainerModule[] } = {},
): { clock: ManualClock; sluice: Sluice } {
  const clock = options.clock ?? new ManualClock('2024-02-29T10:00:00Z');
  const sluice = createSluice({
    drainOnExit: false,
    logLevel: 'silent',
    ...options.sluice,
    modules: [
      new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)),
      ...(options.modules ?? []),
      s3Module({ endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, ...options.s3 }),
    ],
  });
  return { clock, sluice };
}
