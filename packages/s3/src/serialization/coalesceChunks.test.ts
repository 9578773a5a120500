import { describe, expect, it } from 'vitest';
import { coalesceChunks } from './coalesceChunks.js';

async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const all: Uint8Array[] = [];
  for await (const piece of pieces) all.push(piece);
  return all;
}

describe('coalesceChunks', () => {
  it('joins chunks in order into pieces of at least the size, the remainder last', async () => {
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(3, i));
    const pieces = await collect(coalesceChunks(chunks, 7));
    expect(pieces.map((p) => p.length)).toEqual([9, 9, 9, 3]);
    expect(Buffer.concat(pieces)).toEqual(Buffer.concat(chunks));
  });

  it('passes a chunk at least the size through without copying, and yields nothing for nothing', async () => {
    const big = Buffer.alloc(10);
    expect((await collect(coalesceChunks([big], 4)))[0]).toBe(big);
    expect(await collect(coalesceChunks([], 4))).toEqual([]);
  });
});
