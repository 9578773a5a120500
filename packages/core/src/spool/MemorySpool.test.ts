import { describe, expect, it } from 'vitest';
import { MemorySpool } from './MemorySpool.js';
import type { SpooledBatchMeta } from './Spool.js';

const meta: SpooledBatchMeta = {
  destination: 'd',
  routeId: 'r',
  target: {},
  identity: { routeId: 'r', windowStart: 0, sequence: 0, producerId: 'p', incarnation: 'i' },
  identifier: 'x',
  window: { start: 0, end: 60_000 },
  openedAt: 0,
};

describe('MemorySpool', () => {
  it('gives back every record in order, as UTF-8 chunks of at least 64 KiB', () => {
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

  it('hands a large batch over in chunks that grow to 4 MiB, without waste for a small one', () => {
    const large = new MemorySpool().open(meta);
    const record = `${JSON.stringify({ pad: 'x'.repeat(400) })}\n`;
    for (let i = 0; i < 40_000; i += 1) large.append(record);
    const sizes = large.contents().map((c) => c.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40_000 * record.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(sizes.filter((n) => n > 3.9 * 1024 * 1024).length).toBeGreaterThanOrEqual(2);
    const small = new MemorySpool().open(meta);
    small.append('"one"\n');
    expect(Math.max(...small.contents().map((c) => (c as Buffer).buffer.byteLength))).toBeLessThanOrEqual(64 * 1024);
  });

  it('reports what non-ASCII records take beyond one byte per character, each time it writes out 64 KiB of text', () => {
    const batch = new MemorySpool().open(meta);
    const record = '"ü€"\n'; // 5 characters, 8 bytes
    let reported = 0;
    for (let i = 0; i < 20_000; i += 1) reported += batch.append(record);
    expect(Buffer.concat(batch.contents()).length).toBe(20_000 * 8);
    // The text was written out once while appending, at 64 KiB of characters; the rest by contents().
    expect(reported).toBe(Math.ceil((64 * 1024) / 5) * 3);
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
