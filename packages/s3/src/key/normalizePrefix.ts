/**
 * `logs/`, `logs` and `/logs/` name the same prefix (`logs`); repeated slashes collapse;
 * the empty prefix means the bucket root.
 */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/\/{2,}/g, '/').replace(/^\/|\/$/g, '');
}
