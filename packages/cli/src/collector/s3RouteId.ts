import { normalizePrefix } from '@sluice/s3';

/**
 * The route id @sluice/s3 batches an event under (`S3Destination.route().id`), which
 * `delivered` events carry. The collector needs it to tell which recent events a delivered
 * batch holds; core exposes no way to ask for it, so it is rebuilt from the same
 * normalizePrefix (a unit test pins it to the destination's own answer).
 */
export function s3RouteId(bucket: string, prefix: string): string {
  const normalized = normalizePrefix(prefix);
  return `s3://${bucket}/${normalized ? `${normalized}/` : ''}`;
}
