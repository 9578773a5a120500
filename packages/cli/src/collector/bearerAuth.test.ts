import { describe, expect, it } from 'vitest';
import { bearerAuth, isLoopback } from './bearerAuth.js';

describe('bearerAuth', () => {
  const check = bearerAuth(['token-one-0123456789', 'token-two-0123456789']);

  it('accepts any configured token, from any address', () => {
    expect(check('Bearer token-two-0123456789', '203.0.113.9')).toBe('ok');
    expect(check('bearer token-one-0123456789', '127.0.0.1')).toBe('ok');
  });

  it('tells a missing token from a wrong one', () => {
    expect(check(undefined, '127.0.0.1')).toBe('missing');
    expect(check('Basic dXNlcjpwYXNz', '127.0.0.1')).toBe('missing');
    expect(check('Bearer token-one-012345678', '127.0.0.1')).toBe('invalid');
    expect(check('Bearer token-one-0123456789x', '127.0.0.1')).toBe('invalid');
  });

  it('without tokens lets in loopback clients only', () => {
    const open = bearerAuth([]);
    expect(open(undefined, '127.0.0.1')).toBe('ok');
    expect(open(undefined, '::1')).toBe('ok');
    expect(open(undefined, '::ffff:127.0.0.1')).toBe('ok');
    expect(open(undefined, '192.168.1.20')).toBe('not_loopback');
    expect(open('Bearer anything-at-all-here', '10.0.0.1')).toBe('not_loopback');
  });

  it('knows loopback addresses', () => {
    expect([isLoopback('127.0.0.53'), isLoopback('::1'), isLoopback('::ffff:10.0.0.1'), isLoopback(undefined)]).toEqual([true, true, false, false]);
  });
});
