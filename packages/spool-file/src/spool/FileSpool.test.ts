import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpoolError } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { batchMeta } from '../../test-support/batchMeta.js';
import { RecordingLogger } from '../../test-support/RecordingLogger.js';
import { parseFileSpoolOptions } from '../config.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';
import { FileSpool } from './FileSpool.js';

const meta = (identifier: string, openedAt = 1_000) => batchMeta(identifier, { openedAt });
const id = (c: string) => c.repeat(64);

async function text(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all).toString('utf8');
}

function thrown(run: () => unknown): SpoolError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SpoolError);
    return error as SpoolError;
  }
  throw new Error('expected a SpoolError');
}

describe('FileSpool', () => {
  const folders: Array<() => void> = [];
  afterEach(() => {
    vi.restoreAllMocks();
    folders.splice(0).forEach((remove) => remove());
  });
  function spoolIn(fsync: 'never' | 'interval' | 'always' = 'never', directory?: string, logger = new RecordingLogger(), clock = new ManualClock(0)) {
    let dir = directory;
    if (!dir) {
      const temp = temporarySpoolDirectory();
      folders.push(temp.remove);
      dir = temp.directory;
    }
    return { spool: new FileSpool(parseFileSpoolOptions({ directory: dir, fsync }), clock, logger), directory: dir, logger, clock };
  }
  /** As if the process had been killed: its lock stays, naming a process that no longer runs. */
  function killed(spool: FileSpool, directory: string) {
    const owner = path.join(directory, 'lock', 'owner.json');
    const record = JSON.parse(fs.readFileSync(owner, 'utf8')) as Record<string, unknown>;
    spool.close();
    fs.mkdirSync(path.join(directory, 'lock'));
    fs.writeFileSync(owner, JSON.stringify({ ...record, pid: 2147483646, token: 'dead' }));
  }

  it('writes every record to the batch file before append returns, and deletes it on discard', async () => {
    const { spool, directory } = spoolIn('always');
    const batch = spool.open(meta(id('a')));
    batch.append('{"n":1}\n');
    batch.append('{"n":2}\n');
    const file = path.join(directory, 'batches', `${id('a')}.ndjson`);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    expect(await text(batch.contents())).toBe('{"n":1}\n{"n":2}\n');
    batch.discard();
    expect(fs.readdirSync(path.join(directory, 'batches'))).toEqual([]);
    spool.close();
  });

  it('gives back what a dead process left, oldest first, cutting a half-written last record', async () => {
    const { spool: first, directory } = spoolIn();
    const older = first.open(meta(id('1'), 1_000));
    older.append('"a"\n');
    const newer = first.open(meta(id('2'), 2_000));
    newer.append('"b"\n');
    first.open(meta(id('3'), 3_000)); // opened, never written: nothing to deliver
    fs.appendFileSync(path.join(directory, 'batches', `${id('1')}.ndjson`), '"torn');
    killed(first, directory);

    const { spool: second } = spoolIn('never', directory);
    const found = second.recover();
    expect(await Promise.all(found.map(async (f) => [f.meta.identifier[0], f.events, f.bytes, await text(f.batch.contents())]))).toEqual([
      ['1', 1, 4, '"a"\n'],
      ['2', 1, 4, '"b"\n'],
    ]);
    expect(found[0]?.meta).toEqual(meta(id('1'), 1_000));
    expect(fs.existsSync(path.join(directory, 'batches', `${id('3')}.meta.json`))).toBe(false);
    second.close();
  });

  it('moves a dead letter to dead-letter/ with its reason, recovers it as such, and revives it', async () => {
    const { spool, directory } = spoolIn();
    const batch = spool.open(meta(id('d')));
    batch.append('"x"\n');
    const reason = { at: 5, code: 'NoSuchBucket', message: 'gone', attempts: 9, firstFailureAt: 1 };
    batch.deadLetter(reason);
    expect(fs.readdirSync(path.join(directory, 'dead-letter')).sort()).toEqual([`${id('d')}.meta.json`, `${id('d')}.ndjson`, `${id('d')}.reason.json`].sort());
    spool.close();
    const { spool: next } = spoolIn('never', directory);
    const [found] = next.recover();
    expect(found?.deadLetter).toEqual(reason);
    found?.batch.revive();
    expect(fs.readdirSync(path.join(directory, 'dead-letter'))).toEqual([]);
    expect(await text(found?.batch.contents() ?? [])).toBe('"x"\n');
    next.close();
  });

  it('syncs open batches every fsyncIntervalMs of the injected clock', async () => {
    const temp = temporarySpoolDirectory();
    folders.push(temp.remove);
    const clock = new ManualClock(0);
    const spool = new FileSpool(parseFileSpoolOptions({ directory: temp.directory, fsync: 'interval', fsyncIntervalMs: 500 }), clock, new RecordingLogger());
    const batch = spool.open(meta(id('e')));
    batch.append('"y"\n');
    expect(batch.dirty).toBe(true);
    await clock.advance(500);
    expect(batch.dirty).toBe(false);
    spool.close();
    expect(clock.pendingTimers).toBe(0);
  });

  describe('on a full disk', () => {
    /** write(2) on a disk that fills up: part of the bytes, then ENOSPC. */
    function fillDiskAfter(bytes: number) {
      const write = fs.writeSync;
      let room = bytes;
      return vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Uint8Array, offset?: number, length?: number, position: number | null = null) => {
        if (room === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        const n = Math.min(room, length ?? buffer.length);
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

    it('finishes a record that write(2) took only in part', () => {
      const { spool, directory } = spoolIn();
      const batch = spool.open(meta(id('g')));
      const write = fs.writeSync;
      vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null) =>
        write(fd, buffer, offset ?? 0, Math.min(3, length ?? buffer.length), position ?? null)) as typeof fs.writeSync);
      batch.append('{"n":"é"}\n');
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

  describe('unreadable files', () => {
    it.each([
      ['an empty meta file', '', 'it is empty'],
      ['a torn meta file', '{"destination":"s3","rou', 'it is not valid JSON'],
      ['a meta file of another shape', '{"destination":"s3"}', 'it is not a batch\'s meta: "routeId" is not a non-empty string'],
    ])('moves %s and its records to quarantine/ with a reason, logs where, and delivers every other batch', async (_, content, problem) => {
      const { spool: first, directory } = spoolIn();
      first.open(meta(id('1'), 1_000)).append('"bad"\n');
      first.open(meta(id('2'), 2_000)).append('"good"\n');
      killed(first, directory);
      fs.writeFileSync(path.join(directory, 'batches', `${id('1')}.meta.json`), content);

      const { spool: second, logger, clock } = spoolIn('never', directory);
      await clock.advance(7);
      const found = second.recover();
      expect(await Promise.all(found.map(async (f) => [f.meta.identifier, await text(f.batch.contents())]))).toEqual([[id('2'), '"good"\n']]);
      const quarantine = path.join(directory, 'quarantine');
      expect(fs.readdirSync(quarantine).sort()).toEqual([`${id('1')}.meta.json`, `${id('1')}.ndjson`, `${id('1')}.reason.json`]);
      expect(fs.readFileSync(path.join(quarantine, `${id('1')}.ndjson`), 'utf8')).toBe('"bad"\n');
      expect(fs.readFileSync(path.join(quarantine, `${id('1')}.meta.json`), 'utf8')).toBe(content);
      const reason = JSON.parse(fs.readFileSync(path.join(quarantine, `${id('1')}.reason.json`), 'utf8')) as { at: number; problem: string };
      expect(reason.at).toBe(7);
      expect(reason.problem).toContain(`The meta file ${path.join(directory, 'batches', `${id('1')}.meta.json`)} cannot be used: ${problem}`);
      expect(logger.at('error').join('\n')).toContain(`${path.join(directory, 'batches', `${id('1')}.ndjson`)} -> ${path.join(quarantine, `${id('1')}.ndjson`)}`);
      second.close();
    });

    it('moves records whose meta file is missing to quarantine/ and logs it', () => {
      const { spool: first, directory } = spoolIn();
      first.open(meta(id('3'))).append('"orphan"\n');
      killed(first, directory);
      fs.rmSync(path.join(directory, 'batches', `${id('3')}.meta.json`));

      const { spool: second, logger } = spoolIn('never', directory);
      expect(second.recover()).toEqual([]);
      expect(fs.readdirSync(path.join(directory, 'batches'))).toEqual([]);
      expect(fs.readFileSync(path.join(directory, 'quarantine', `${id('3')}.ndjson`), 'utf8')).toBe('"orphan"\n');
      expect(logger.at('error').join('\n')).toContain('have no meta file');
      second.close();
    });
  });

  describe("with fsync: 'interval'", () => {
    /** The paths given to fsync(2), by following the descriptors opened. */
    function watchFsync() {
      const open = fs.openSync;
      const names = new Map<number, string>();
      const synced: string[] = [];
      vi.spyOn(fs, 'openSync').mockImplementation(((file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
        const fd = open(file, flags ?? 'r', mode);
        names.set(fd, String(file));
        return fd;
      }) as typeof fs.openSync);
      const fsync = fs.fsyncSync;
      vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
        synced.push(names.get(fd) ?? `fd ${fd}`);
        fsync(fd);
      });
      return synced;
    }

    it('forces a new meta file and the batches folder to the disk at the next tick, not in open()', async () => {
      const { spool, directory, clock } = spoolIn('interval');
      const synced = watchFsync();
      spool.open(meta(id('i'))).append('"x"\n');
      expect(synced).toEqual([]);
      await clock.advance(1_000);
      expect(synced).toEqual([path.join(directory, 'batches', `${id('i')}.meta.json`), path.join(directory, 'batches')]);
      spool.close();
    });

    it("with fsync: 'always' forces the meta file and the folder to the disk in open()", () => {
      const { spool, directory } = spoolIn('always');
      const synced = watchFsync();
      spool.open(meta(id('j')));
      expect(synced).toEqual([`${path.join(directory, 'batches', `${id('j')}.meta.json`)}.tmp`, path.join(directory, 'batches')]);
      spool.close();
    });
  });

  it('creates its folders 0700 and its files 0600 whatever the umask', () => {
    const temp = temporarySpoolDirectory();
    folders.push(temp.remove);
    const directory = path.join(temp.directory, 'a', 'spool');
    const umask = process.umask(0);
    try {
      const { spool } = spoolIn('never', directory);
      const batch = spool.open(meta(id('k')));
      batch.append('"secret"\n');
      batch.deadLetter({ at: 1, code: 'AccessDenied', message: 'no', attempts: 1, firstFailureAt: 1 });
      spool.open(meta(id('l')));
      const mode = (p: string) => (fs.statSync(path.join(directory, p)).mode & 0o777).toString(8);
      expect(['.', '..', 'batches', 'dead-letter', 'lock'].map(mode)).toEqual(['700', '700', '700', '700', '700']);
      expect([`batches/${id('l')}.ndjson`, `batches/${id('l')}.meta.json`, `dead-letter/${id('k')}.ndjson`, `dead-letter/${id('k')}.reason.json`, 'lock/owner.json'].map(mode)).toEqual(
        ['600', '600', '600', '600', '600'],
      );
      spool.close();
    } finally {
      process.umask(umask);
    }
  });

  describe('the folder changing under a running spool', () => {
    it('loses no accepted record when the spool folder is deleted: reads through the open file, writes it again at close', async () => {
      const { spool, directory, logger } = spoolIn();
      const batch = spool.open(meta(id('m')));
      batch.append('"1"\n');
      fs.rmSync(directory, { recursive: true });
      batch.append('"2"\n');
      expect(await text(batch.contents())).toBe('"1"\n"2"\n');
      const next = spool.open(meta(id('n')));
      next.append('"3"\n');
      expect(logger.at('warn').join('\n')).toContain(`the spool folder was removed while this process ran; it is created again {"directory":"${directory}"}`);
      spool.close();

      const { spool: restarted } = spoolIn('never', directory);
      const found = await Promise.all(restarted.recover().map(async (f) => [f.meta.identifier, await text(f.batch.contents())]));
      expect(found.sort()).toEqual([
        [id('m'), '"1"\n"2"\n'],
        [id('n'), '"3"\n'],
      ]);
      restarted.close();
    });

    it('keeps a dead letter whose folder was deleted, instead of throwing from the move', () => {
      const { spool, directory } = spoolIn();
      const batch = spool.open(meta(id('o')));
      batch.append('"kept"\n');
      fs.rmSync(directory, { recursive: true });
      batch.deadLetter({ at: 1, code: 'AccessDenied', message: 'no', attempts: 3, firstFailureAt: 1 });
      expect(fs.readFileSync(path.join(directory, 'dead-letter', `${id('o')}.ndjson`), 'utf8')).toBe('"kept"\n');
      expect(() => spool.close()).not.toThrow();
    });

    it('throws SLUICE_SPOOL_UNAVAILABLE naming the folder when batches/ is replaced by a file', () => {
      const { spool, directory } = spoolIn();
      fs.rmSync(path.join(directory, 'batches'), { recursive: true });
      fs.writeFileSync(path.join(directory, 'batches'), '');
      const error = thrown(() => spool.open(meta(id('p'))));
      expect(error.code).toBe('SLUICE_SPOOL_UNAVAILABLE');
      expect(error.message).toContain(path.join(directory, 'batches'));
      expect(error.message).toContain('restore it');
      spool.close();
    });

    it('throws SLUICE_SPOOL_WRITE_FAILED naming the folder and the fix when batches/ is not writable', () => {
      // Root passes permission checks, so the EACCES the kernel gives a non-root user is injected.
      const { spool, directory } = spoolIn();
      vi.spyOn(fs, 'openSync').mockImplementation((file) => {
        throw Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: 'EACCES', errno: -13, syscall: 'open' });
      });
      const error = thrown(() => spool.open(meta(id('q'))));
      vi.restoreAllMocks();
      expect(error.code).toBe('SLUICE_SPOOL_WRITE_FAILED');
      expect(error.message).toContain(`Could not start a batch file in ${path.join(directory, 'batches')}: permission was denied (EACCES)`);
      expect(error.message).toContain('writable by the user this process runs as');
      spool.close();
    });

    it('logs, never throws, when the fsync timer meets a vanished folder', async () => {
      const { spool, directory, clock, logger } = spoolIn('interval');
      spool.open(meta(id('r'))).append('"x"\n');
      fs.rmSync(directory, { recursive: true });
      fs.writeFileSync(directory, ''); // not even a folder: the records cannot be written again
      await clock.advance(1_000);
      expect(logger.at('error').join('\n')).toContain('could not force a spool file to the disk');
      expect(clock.pendingTimers).toBeGreaterThan(0);
      spool.close();
      fs.rmSync(directory);
    });
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

  describe('the lock', () => {
    function writeOwner(directory: string, owner: Record<string, unknown>, heartbeatAt: number) {
      const record = path.join(directory, 'lock', 'owner.json');
      fs.mkdirSync(path.dirname(record), { recursive: true });
      fs.writeFileSync(record, JSON.stringify(owner));
      fs.utimesSync(record, heartbeatAt / 1_000, heartbeatAt / 1_000);
    }
    const ownRecord = (directory: string) => {
      const { spool } = spoolIn('never', directory);
      const record = JSON.parse(fs.readFileSync(path.join(directory, 'lock', 'owner.json'), 'utf8')) as Record<string, unknown>;
      spool.close();
      return record;
    };

    it('refuses a folder a live process on this host holds, with SLUICE_SPOOL_LOCKED saying who and what to do', () => {
      const { spool, directory } = spoolIn();
      const error = thrown(() => spoolIn('never', directory));
      expect(error.code).toBe('SLUICE_SPOOL_LOCKED');
      expect(error.message).toBe(
        `The spool folder ${directory} is in use by this very process (another FileSpool on the same folder) on this host. Give each process its own folder (fileSpoolModule({ directory })), or stop that process first.`,
      );
      spool.close();
      writeOwner(directory, { ...ownRecord(directory), pid: process.ppid, startTime: undefined, token: 'parent' }, 0);
      expect(thrown(() => spoolIn('never', directory)).message).toContain(`in use by process ${process.ppid} on this host`);
    });

    it('takes over at once a folder whose holder on this host died, or whose pid now names another process', () => {
      const { spool, directory, logger } = spoolIn();
      const self = JSON.parse(fs.readFileSync(path.join(directory, 'lock', 'owner.json'), 'utf8')) as Record<string, unknown>;
      spool.close();
      writeOwner(directory, { ...self, pid: 2147483646, token: 'dead' }, 0);
      const { spool: taken } = spoolIn('never', directory, logger);
      expect(JSON.parse(fs.readFileSync(path.join(directory, 'lock', 'owner.json'), 'utf8'))).toMatchObject({ pid: process.pid });
      taken.close();
      expect(fs.existsSync(path.join(directory, 'lock'))).toBe(false);
      // The parent's pid, but a start time it never had: the pid was reused, the holder is gone.
      writeOwner(directory, { ...self, pid: process.ppid, startTime: '1', token: 'reused' }, 0);
      spoolIn('never', directory, logger).spool.close();
      expect(logger.at('warn').filter((line) => line.startsWith('took over the spool folder'))).toHaveLength(2);
    });

    it('refuses a holder in another PID namespace or host until its heartbeat is stale', () => {
      const { spool, directory } = spoolIn();
      const self = JSON.parse(fs.readFileSync(path.join(directory, 'lock', 'owner.json'), 'utf8')) as Record<string, unknown>;
      spool.close();
      // PID 1 of another container: the same pid as nothing here, and alive as far as anyone here can tell.
      writeOwner(directory, { ...self, pid: 1, pidNamespace: 'pid:[1]', token: 'container' }, 100_000);
      const clock = new ManualClock(120_000);
      const error = thrown(() => spoolIn('never', directory, new RecordingLogger(), clock));
      expect(error.code).toBe('SLUICE_SPOOL_LOCKED');
      expect(error.message).toContain(`in use by process 1 in another PID namespace (container) on this host (pid:[1])`);
      expect(error.message).toContain('taken over once its heartbeat is 30 s old (last 20 s ago)');
      writeOwner(directory, { ...self, hostname: `not-${os.hostname()}`, pid: 1, token: 'other-host' }, 100_000);
      expect(thrown(() => spoolIn('never', directory, new RecordingLogger(), clock)).message).toContain(`on host not-${os.hostname()}`);
      const later = new ManualClock(130_001);
      spoolIn('never', directory, new RecordingLogger(), later).spool.close();
    });

    it('keeps its heartbeat on the injected clock and logs, never throws, when the lock is taken from it', async () => {
      const { spool, directory, clock, logger } = spoolIn();
      const record = path.join(directory, 'lock', 'owner.json');
      await clock.advance(10_000);
      expect(fs.statSync(record).mtimeMs).toBe(10_000);
      fs.writeFileSync(record, JSON.stringify({ pid: 1, token: 'thief' }));
      await clock.advance(10_000);
      expect(logger.at('error').join('\n')).toContain('lost the lock of the spool folder');
      spool.close();
      expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toEqual({ pid: 1, token: 'thief' });
    });
  });
});
