import type { RetryOptions } from '../config.js';

/**
 * Delay before the next attempt after `failures` consecutive failures (1 or more).
 * Retryable errors back off exponentially with "equal jitter" (half fixed, half random: it
 * spreads many producers' retries without ever retrying at once); the rest wait the long,
 * fixed `permanentErrorDelayMs`, jittered by ±20 %.
 */
export function retryDelay(
  options: RetryOptions,
  failures: number,
  retryable: boolean,
  random: () => number = Math.random,
): number {
  if (!retryable) return Math.round(options.permanentErrorDelayMs * (0.8 + 0.4 * random()));
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(failures - 1, 30));
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}
