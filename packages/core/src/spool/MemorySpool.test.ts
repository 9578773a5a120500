import { describe, expect, it } from 'vitest';
import { MemorySpool } from './MemorySpool.js';
import type { SpooledBatchMeta } from './Spool.js';

const meta: SpooledBatchMeta = {
  destination: 'd',
  routeId: 'r',
  target: {},
  identity: { routeId: 'r', windowStart: 0, sequence: 0, producerId: 'p' },
  identifier: 'x',
  window: { start: 0, end: 60_000 },
  openedAt: 0,
};

describe('MemorySpool', () => {
  it('gives back every record in order, as UTF-8 chunks of about 64 KiB', () => {
    const batch = new MemorySpool().open(meta);
    // ASCII records are copied as Latin-1, others encoded: some chunks are all one kind, some mixed.
    const records = Array.from({ length: 5_000 }, (_, i) =>
      i < 1_500 || (i < 3_500 && i % 7 === 0) ? `{"i":${i},"s":"ünï ${'x'.repeat(i % 40)}"}\n` : `{"i":${i},"s":"plain ${'x'.repeat(i % 40)}"}\n`,
    );
    for (const record of records) batch.append(record);
    const chunks = batch.contents();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(records.join(''));
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('reports what non-ASCII records take beyond one byte per character, for each chunk it converts', () => {
    const batch = new MemorySpool().open(meta);
    const record = '"ü€"\n'; // 5 characters, 8 bytes
    let reported = 0;
    for (let i = 0; i < 20_000; i += 1) reported += batch.append(record);
    const chunks = batch.contents();
    expect(Buffer.concat(chunks).length).toBe(20_000 * 8);
    // The first chunk was converted while appending; the rest only by contents().
    expect(reported).toBe((chunks[0]!.length / 8) * 3);
    expect(reported).toBeGreaterThan(0);
  });

  it('keeps appending after contents() and forgets everything on discard()', () => {
    const batch = new MemorySpool().open(meta);
    batch.append('a\n');
    expect(Buffer.concat(batch.contents()).toString()).toBe('a\n');
    batch.append('b\n');
    expect(Buffer.concat(batch.contents()).toString()).toBe('a\nb\n');
    batch.discard();
    batch.discard();
    expect(batch.contents()).toEqual([]);
  });
});
