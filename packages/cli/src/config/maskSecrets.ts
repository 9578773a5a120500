import type { CollectorConfig } from '../config.js';

/** Shows that a secret is set, and which one, without showing it. */
function mask(secret: string): string {
  return secret.length >= 16 ? `${secret.slice(0, 4)}…(${secret.length} characters)` : `***(${secret.length} characters)`;
}

/**
 * The config as `--print-config` shows it: every token and credential masked, everything
 * else as the collector will use it.
 */
export function maskSecrets(config: CollectorConfig): CollectorConfig {
  const credentials = config.s3.credentials;
  return {
    ...config,
    auth: { tokens: config.auth.tokens.map(mask) },
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
