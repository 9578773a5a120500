import { describe, expect, it } from 'vitest';
import { coalesceChunks } from './coalesceChunks.js';

describe('coalesceChunks', () => {
  it('joins chunks in order into pieces of at least the size, the remainder last', () => {
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(3, i));
    const pieces = [...coalesceChunks(chunks, 7)];
    expect(pieces.map((p) => p.length)).toEqual([9, 9, 9, 3]);
    expect(Buffer.concat(pieces)).toEqual(Buffer.concat(chunks));
  });

  it('passes a chunk at least the size through without copying, and yields nothing for nothing', () => {
    const big = Buffer.alloc(10);
    expect([...coalesceChunks([big], 4)][0]).toBe(big);
    expect([...coalesceChunks([], 4)]).toEqual([]);
  });
});
