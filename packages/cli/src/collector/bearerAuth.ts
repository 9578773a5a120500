import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether a socket's peer is this machine. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens in constant time:
 * both sides are hashed to 32 bytes (so lengths leak nothing) and every token is compared,
 * matched or not. Without tokens, only loopback clients are let in.
 */
export function bearerAuth(tokens: readonly string[]): (authorization: string | undefined, remoteAddress: string | undefined) => 'ok' | 'missing' | 'invalid' | 'not_loopback' {
  const digests = tokens.map((token) => createHash('sha256').update(token).digest());
  return (authorization, remoteAddress) => {
    if (digests.length === 0) return isLoopback(remoteAddress) ? 'ok' : 'not_loopback';
    const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return 'missing';
    const given = createHash('sha256').update(match[1] as string).digest();
    let ok = false;
    for (const digest of digests) ok = timingSafeEqual(given, digest) || ok;
    return ok ? 'ok' : 'invalid';
  };
}
