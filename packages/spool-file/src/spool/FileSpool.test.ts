import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fileSpoolHarness, id, meta, text, thrown } from '../../test-support/fileSpoolHarness.js';

describe('FileSpool', () => {
  const { spoolIn } = fileSpoolHarness();

  it('writes every record to the batch file before append returns, and deletes it on discard', async () => {
    const { spool, directory } = spoolIn('always');
    const batch = spool.open(meta(id('a')));
    batch.append('{"n":1}\n');
    batch.append('{"n":2}\n');
    const file = path.join(directory, 'batches', `${id('a')}.ndjson`);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    expect(await text(batch.contents())).toBe('{"n":1}\n{"n":2}\n');
    batch.discard();
    await spool.removed();
    expect(fs.readdirSync(path.join(directory, 'batches'))).toEqual([]);
    spool.close();
  });

  it('deletes what delivered batches left before it releases the lock at close', () => {
    const { spool, directory } = spoolIn();
    const first = spool.open(meta(id('a')));
    first.append('{"n":1}\n');
    const second = spool.open(meta(id('b')));
    second.append('{"n":2}\n');
    first.discard();
    second.discard();
    // Not waited for: close itself leaves no file of a delivered batch to the next owner.
    spool.close();
    expect(fs.readdirSync(path.join(directory, 'batches'))).toEqual([]);
    const { spool: next } = spoolIn('never', directory);
    expect(next.recover()).toEqual([]);
    next.close();
  });

  it('streams contents in chunks of at most 4 MiB through the open file, even after the file is deleted', async () => {
    const { spool, directory } = spoolIn();
    const batch = spool.open(meta(id('s')));
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 9 * 1024; i += 1) batch.append(line);
    fs.rmSync(path.join(directory, 'batches', `${id('s')}.ndjson`));
    const contents = batch.contents();
    expect(Array.isArray(contents)).toBe(false);
    const sizes: number[] = [];
    for await (const chunk of contents) sizes.push(chunk.length);
    expect(sizes).toEqual([4 * 1024 * 1024, 4 * 1024 * 1024, 1024 * 1024]);
    spool.close();
  });

  describe('on a full disk', () => {
    /** write(2) on a disk that fills up: part of the bytes, then ENOSPC. */
    function fillDiskAfter(bytes: number) {
      const write = fs.writeSync;
      let room = bytes;
      return vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: Uint8Array | string, ...rest: unknown[]) => {
        if (room === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        // Text is written as writeSync(fd, text, position, encoding), bytes as writeSync(fd, bytes, offset, length, position).
        const [offset, length, position] = typeof data === 'string' ? [0, undefined, rest[0] as number] : (rest as [number, number | undefined, number]);
        const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        const n = Math.min(room, length ?? buffer.length - offset);
        room -= n;
        return write(fd, buffer, offset, n, position);
      }) as typeof fs.writeSync);
    }

    it('cuts a record the disk had no room for back to the last whole record and throws SLUICE_SPOOL_FULL naming the file', async () => {
      const { spool, directory } = spoolIn();
      const batch = spool.open(meta(id('f')));
      batch.append('{"n":1}\n');
      fillDiskAfter(5);
      const error = thrown(() => batch.append('{"n":2,"pad":"xxxxxxxx"}\n'));
      vi.restoreAllMocks();
      const file = path.join(directory, 'batches', `${id('f')}.ndjson`);
      expect(error.code).toBe('SLUICE_SPOOL_FULL');
      expect(error.path).toBe(file);
      expect(error.message).toContain(`Could not append a record to ${file}: the disk is full (ENOSPC). The event was not stored`);
      expect(error.message).toContain('Free space on that disk');
      expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n');
      expect(await text(batch.contents())).toBe('{"n":1}\n');
      // Room again: the next record follows the last whole one.
      batch.append('{"n":3}\n');
      expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":3}\n');
      spool.close();
    });

    it('stores appendMany with one write, and on a write cut short leaves the file exactly as before the call', async () => {
      const { spool, directory } = spoolIn();
      const batch = spool.open(meta(id('m')));
      const file = path.join(directory, 'batches', `${id('m')}.ndjson`);
      const writes = vi.spyOn(fs, 'writeSync');
      expect(batch.appendMany?.(['{"n":1}\n', '{"n":"é"}\n', '{"n":3}\n'])).toBe(1);
      expect(writes).toHaveBeenCalledTimes(1);
      vi.restoreAllMocks();
      const before = '{"n":1}\n{"n":"é"}\n{"n":3}\n';
      expect(fs.readFileSync(file, 'utf8')).toBe(before);
      fillDiskAfter(12);
      const error = thrown(() => batch.appendMany?.(['{"n":4}\n', '{"n":5}\n', '{"n":6}\n']));
      vi.restoreAllMocks();
      expect(error.code).toBe('SLUICE_SPOOL_FULL');
      expect(error.message).toContain(`Could not append records to ${file}: the disk is full (ENOSPC). None of the 3 events was stored`);
      expect(fs.readFileSync(file, 'utf8')).toBe(before);
      expect(await text(batch.contents())).toBe(before);
      batch.appendMany?.(['{"n":7}\n']);
      expect(fs.readFileSync(file, 'utf8')).toBe(`${before}{"n":7}\n`);
      spool.close();
    });

    it('finishes a record that write(2) took only in part', () => {
      const { spool, directory } = spoolIn();
      const batch = spool.open(meta(id('g')));
      const write = fs.writeSync;
      const calls = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: Uint8Array | string, ...rest: unknown[]) => {
        const [offset, length, position] = typeof data === 'string' ? [0, undefined, rest[0] as number] : (rest as [number, number | undefined, number]);
        const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        return write(fd, buffer, offset, Math.min(3, length ?? buffer.length - offset), position);
      }) as typeof fs.writeSync);
      batch.append('{"n":"é"}\n');
      expect(calls.mock.calls.length).toBeGreaterThan(1);
      vi.restoreAllMocks();
      expect(fs.readFileSync(path.join(directory, 'batches', `${id('g')}.ndjson`), 'utf8')).toBe('{"n":"é"}\n');
      spool.close();
    });

    it('throws SLUICE_SPOOL_FULL and leaves no file behind when even the meta file does not fit', () => {
      const { spool, directory } = spoolIn();
      fillDiskAfter(10);
      const error = thrown(() => spool.open(meta(id('h'))));
      vi.restoreAllMocks();
      expect(error.code).toBe('SLUICE_SPOOL_FULL');
      expect(error.message).toContain(path.join(directory, 'batches'));
      expect(fs.readdirSync(path.join(directory, 'batches'))).toEqual([]);
      spool.close();
    });
  });
});
