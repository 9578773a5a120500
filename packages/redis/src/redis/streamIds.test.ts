import { describe, expect, it } from 'vitest';
import { compareIds, nextId } from './streamIds.js';

describe('stream ids', () => {
  it('orders ids as Redis does, by time then sequence, as numbers not text', () => {
    expect(compareIds('1700000000000-0', '1700000000000-1')).toBe(-1);
    expect(compareIds('1700000000000-10', '1700000000000-9')).toBe(1);
    expect(compareIds('999-5', '1000-0')).toBe(-1);
    expect(compareIds('1000-3', '1000-3')).toBe(0);
  });

  it('gives the smallest id after an id, so trimming to it removes the id itself', () => {
    expect(nextId('1700000000000-41')).toBe('1700000000000-42');
    expect(compareIds(nextId('5-18446744073709551614'), '5-18446744073709551614')).toBe(1);
  });
});
