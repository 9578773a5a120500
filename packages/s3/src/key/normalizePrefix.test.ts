import { describe, expect, it } from 'vitest';
import { normalizePrefix } from './normalizePrefix.js';

describe('normalizePrefix', () => {
  it('makes "logs/", "logs" and "/logs/" the same prefix', () => {
    expect(['logs/', 'logs', '/logs/', '//logs//'].map(normalizePrefix)).toEqual(['logs', 'logs', 'logs', 'logs']);
  });

  it('collapses repeated slashes inside and maps slashes-only to the root', () => {
    expect(normalizePrefix('a//b///c/')).toBe('a/b/c');
    expect(['', '/', '///'].map(normalizePrefix)).toEqual(['', '', '']);
  });
});
