import { ValidationError, type ValidationIssue } from '@sluice/core';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces every `${NAME}` in the config's strings with the environment variable NAME, as
 * Fluent Bit and Vector do, so secrets stay out of the file. Throws ValidationError naming
 * every key whose variable is unset or empty.
 */
export function resolveEnvReferences(config: unknown, env: NodeJS.ProcessEnv, subject = 'sluice serve config'): unknown {
  const issues: ValidationIssue[] = [];
  const walk = (node: unknown, pointer: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(REFERENCE, (reference, name: string) => {
        const value = env[name];
        if (value === undefined || value === '') {
          issues.push({ field: pointer, value: reference, rule: `names the environment variable ${name}, which is not set`, fix: `Set ${name} in the collector's environment, or write the value in the file.` });
          return '';
        }
        return value;
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, `${pointer}/${index}`));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, `${pointer}/${key}`)]));
    }
    return node;
  };
  const resolved = walk(config, '');
  if (issues.length > 0) throw new ValidationError(subject, issues);
  return resolved;
}
