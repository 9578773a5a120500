import { describe, expect, it } from 'vitest';
import type { Route } from '../destination/Destination.js';
import { RouteCache, routingFields, type RoutingFields } from './RouteCache.js';

const route = (id: string): Route => ({ id, target: id });

/** The routing fields of parameters that have them. */
function fieldsOf(params: object): RoutingFields {
  const fields = routingFields(params);
  if (!fields) throw new Error('no routing fields');
  return fields;
}

describe('RouteCache', () => {
  it('finds a route by its routing fields, whatever the payload and id, and not by other fields', () => {
    const cache = new RouteCache();
    cache.set(fieldsOf({ bucket: 'a', prefix: 'p', payload: 1 }), route('a/p'));
    cache.set(fieldsOf({ bucket: 'b', prefix: 'p', payload: 1 }), route('b/p'));
    expect(cache.get({ bucket: 'a', prefix: 'p', payload: 2, id: 'x' })?.id).toBe('a/p');
    expect(cache.get({ bucket: 'b', prefix: 'p', payload: 3 })?.id).toBe('b/p');
    expect(cache.get({ bucket: 'a', prefix: 'p' })?.id).toBe('a/p');
    expect(cache.get({ bucket: 'a', prefix: 'q', payload: 1 })).toBeUndefined();
    expect(cache.get({ bucket: 'a', prefix: 'p', extra: 'x', payload: 1 })).toBeUndefined();
    expect(cache.get({ bucket: 'a', payload: 1 })).toBeUndefined();
  });

  it('never matches parameters whose values only concatenate to those of a cached set', () => {
    const cache = new RouteCache();
    cache.set(fieldsOf({ bucket: 'a', prefix: 'b' }), route('a/b'));
    expect(cache.get({ bucket: 'a\u0000prefix\u0000b' })).toBeUndefined();
    expect(cache.get({ bucket: 'a","prefix","b' })).toBeUndefined();
  });

  it('does not cache parameters with a field that is not a string', () => {
    expect(routingFields({ bucket: 'a', prefix: 7, payload: 1 })).toBeUndefined();
    expect(new RouteCache().get({ bucket: 'a', prefix: 7 })).toBeUndefined();
  });
});
