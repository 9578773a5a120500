import { describe, expect, it } from 'vitest';
import { S3Destination } from '@sluice/s3';
import { s3RouteId } from './s3RouteId.js';

describe('s3RouteId', () => {
  // The parts are not used by route(); the destination's own answer is the reference.
  const destination = new S3Destination(undefined as never, undefined as never, undefined as never, undefined as never);

  it.each(['', 'logs', 'logs/', '/logs/app/', 'a/b/c'])('matches S3Destination.route() for prefix %j', (prefix) => {
    expect(s3RouteId('my-bucket', prefix)).toBe(destination.route({ bucket: 'my-bucket', prefix }).id);
  });
});
