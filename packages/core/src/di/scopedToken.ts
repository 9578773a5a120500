import type { ServiceIdentifier } from 'inversify';

/**
 * The token of a part for one destination only: bind `scopedToken(KEY_FORMATTER, 'audit')`
 * and only the `audit` destination's keys change; S3's keep their layout. A destination's
 * part is, in this order: its scoped binding, the global binding of the token, the default
 * its package ships. Works for SERIALIZER, KEY_FORMATTER, UPLOADER and BATCHER.
 */
export function scopedToken<T>(token: ServiceIdentifier<T>, destination: string): ServiceIdentifier<T> {
  return Symbol.for(`${describe(token)}@${destination}`);
}

/**
 * The token a destination class injects to receive its part as resolved by
 * {@link bindDestinationParts}: never bound by users, so their own bindings never clash with it.
 */
export function resolvedPartToken<T>(token: ServiceIdentifier<T>, destination: string): ServiceIdentifier<T> {
  return Symbol.for(`${describe(token)}@${destination}:resolved`);
}

function describe(token: ServiceIdentifier): string {
  if (typeof token === 'symbol') return token.description ?? token.toString();
  if (typeof token === 'function') return token.name;
  return token;
}
