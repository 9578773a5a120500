import type { SpooledBatchMeta } from '@sluice/core';

/** The meta of an S3 batch for spool tests: route `s3://<bucket>/<prefix>/`, minute 0. */
export function batchMeta(identifier: string, { bucket = 'b', prefix = 'p', openedAt = 1_000 } = {}): SpooledBatchMeta {
  const routeId = `s3://${bucket}/${prefix}/`;
  return {
    destination: 's3',
    routeId,
    target: { bucket, prefix },
    identity: { routeId, windowStart: 0, sequence: 0, producerId: 'p1', incarnation: 'i1' },
    identifier,
    window: { start: 0, end: 60_000 },
    openedAt,
  };
}
