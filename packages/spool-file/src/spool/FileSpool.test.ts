import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@sluice/core/testing';
import { batchMeta } from '../../test-support/batchMeta.js';
import { parseFileSpoolOptions } from '../config.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';
import { FileSpool } from './FileSpool.js';

const meta = (identifier: string, openedAt = 1_000) => batchMeta(identifier, { openedAt });

async function text(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all).toString('utf8');
}

describe('FileSpool', () => {
  const folders: Array<() => void> = [];
  afterEach(() => folders.splice(0).forEach((remove) => remove()));
  function spoolIn(fsync: 'never' | 'interval' | 'always' = 'never', directory?: string) {
    let dir = directory;
    if (!dir) {
      const temp = temporarySpoolDirectory();
      folders.push(temp.remove);
      dir = temp.directory;
    }
    return { spool: new FileSpool(parseFileSpoolOptions({ directory: dir, fsync }), new ManualClock(0)), directory: dir };
  }

  it('writes every record to the batch file before append returns, and deletes it on discard', async () => {
    const { spool, directory } = spoolIn('always');
    const batch = spool.open(meta('a'.repeat(64)));
    batch.append('{"n":1}\n');
    batch.append('{"n":2}\n');
    const file = path.join(directory, 'batches', `${'a'.repeat(64)}.ndjson`);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    expect(await text(batch.contents())).toBe('{"n":1}\n{"n":2}\n');
    batch.discard();
    expect(fs.readdirSync(path.join(directory, 'batches'))).toEqual([]);
    spool.close();
  });

  it('gives back what a dead process left, oldest first, cutting a half-written last record', async () => {
    const { spool: first, directory } = spoolIn();
    const older = first.open(meta('1'.repeat(64), 1_000));
    older.append('"a"\n');
    const newer = first.open(meta('2'.repeat(64), 2_000));
    newer.append('"b"\n');
    first.open(meta('3'.repeat(64), 3_000)); // opened, never written: nothing to deliver
    fs.appendFileSync(path.join(directory, 'batches', `${'1'.repeat(64)}.ndjson`), '"torn');
    fs.rmSync(path.join(directory, 'lock')); // as if the process had been killed

    const { spool: second } = spoolIn('never', directory);
    const found = second.recover();
    expect(await Promise.all(found.map(async (f) => [f.meta.identifier[0], f.events, f.bytes, await text(f.batch.contents())]))).toEqual([
      ['1', 1, 4, '"a"\n'],
      ['2', 1, 4, '"b"\n'],
    ]);
    expect(found[0]?.meta).toEqual(meta('1'.repeat(64), 1_000));
    expect(fs.existsSync(path.join(directory, 'batches', `${'3'.repeat(64)}.meta.json`))).toBe(false);
    second.close();
  });

  it('moves a dead letter to dead-letter/ with its reason, recovers it as such, and revives it', async () => {
    const { spool, directory } = spoolIn();
    const batch = spool.open(meta('d'.repeat(64)));
    batch.append('"x"\n');
    const reason = { at: 5, code: 'NoSuchBucket', message: 'gone', attempts: 9, firstFailureAt: 1 };
    batch.deadLetter(reason);
    expect(fs.readdirSync(path.join(directory, 'dead-letter')).sort()).toEqual(
      [`${'d'.repeat(64)}.meta.json`, `${'d'.repeat(64)}.ndjson`, `${'d'.repeat(64)}.reason.json`].sort(),
    );
    spool.close();
    const { spool: next } = spoolIn('never', directory);
    const [found] = next.recover();
    expect(found?.deadLetter).toEqual(reason);
    found?.batch.revive();
    expect(fs.readdirSync(path.join(directory, 'dead-letter'))).toEqual([]);
    expect(await text(found!.batch.contents())).toBe('"x"\n');
    next.close();
  });

  it('refuses a folder a live process holds, and takes over one a dead process left', () => {
    const { spool, directory } = spoolIn();
    spool.close();
    fs.writeFileSync(path.join(directory, 'lock'), String(process.ppid));
    expect(() => spoolIn('never', directory)).toThrow(new RegExp(`in use by process ${process.ppid}\\. Give each process its own folder`));
    fs.writeFileSync(path.join(directory, 'lock'), '2147483646');
    const { spool: taken } = spoolIn('never', directory);
    expect(fs.readFileSync(path.join(directory, 'lock'), 'utf8')).toBe(String(process.pid));
    taken.close();
    expect(fs.existsSync(path.join(directory, 'lock'))).toBe(false);
  });

  it('syncs open batches every fsyncIntervalMs of the injected clock', async () => {
    const temp = temporarySpoolDirectory();
    folders.push(temp.remove);
    const clock = new ManualClock(0);
    const spool = new FileSpool(parseFileSpoolOptions({ directory: temp.directory, fsync: 'interval', fsyncIntervalMs: 500 }), clock);
    const batch = spool.open(meta('e'.repeat(64)));
    batch.append('"y"\n');
    expect(batch.dirty).toBe(true);
    await clock.advance(500);
    expect(batch.dirty).toBe(false);
    spool.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
