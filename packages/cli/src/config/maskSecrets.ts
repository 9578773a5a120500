import { redactedUrl } from '@sluice/redis';
import type { CollectorConfig } from '../config.js';

/** Shows that a secret is set, and how long it is, without showing any of it. */
function mask(secret: string): string {
  return `***(${secret.length} characters)`;
}

/**
 * The config as `--print-config` shows it: every token and credential (and the Redis URL's
 * password) masked, everything
 * else as the collector will use it.
 */
export function maskSecrets(config: CollectorConfig): CollectorConfig {
  // A config file holds credentials as an object; a provider function has nothing to show.
  const credentials = typeof config.s3.credentials === 'function' ? undefined : config.s3.credentials;
  return {
    ...config,
    auth: { tokens: config.auth.tokens.map(mask) },
    ...(config.fleet ? { fleet: { ...config.fleet, url: redactedUrl(config.fleet.url) } } : {}),
    s3: credentials
      ? {
          ...config.s3,
          credentials: {
            accessKeyId: mask(credentials.accessKeyId),
            secretAccessKey: mask(credentials.secretAccessKey),
            ...(credentials.sessionToken === undefined ? {} : { sessionToken: mask(credentials.sessionToken) }),
          },
        }
      : config.s3,
  };
}
