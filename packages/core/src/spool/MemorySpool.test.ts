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
    const records = Array.from({ length: 5_000 }, (_, i) => `{"i":${i},"s":"ünï ${'x'.repeat(i % 40)}"}\n`);
    for (const record of records) batch.append(record);
    const chunks = batch.contents();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(records.join(''));
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(64 * 1024);
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
