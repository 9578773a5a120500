import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '@sluice/core/testing';
import { fileSpoolHarness, id, meta } from '../../test-support/fileSpoolHarness.js';
import { RecordingLogger } from '../../test-support/RecordingLogger.js';
import { parseFileSpoolOptions } from '../config.js';
import { FileSpool } from './FileSpool.js';

describe('FileSpool', () => {
  const { spoolIn, temporaryFolder } = fileSpoolHarness();

  it('syncs open batches every fsyncIntervalMs of the injected clock, on the threadpool (fs.fdatasync, never fdatasyncSync)', async () => {
    const clock = new ManualClock(0);
    const spool = new FileSpool(parseFileSpoolOptions({ directory: temporaryFolder(), fsync: 'interval', fsyncIntervalMs: 500 }), clock, new RecordingLogger());
    const background = vi.spyOn(fs, 'fdatasync');
    const onThisThread = vi.spyOn(fs, 'fdatasyncSync');
    const batch = spool.open(meta(id('e')));
    batch.append('"y"\n');
    expect(batch.dirty).toBe(true);
    await clock.advance(499);
    expect(background).not.toHaveBeenCalled();
    await clock.advance(1);
    await spool.synced();
    expect(batch.dirty).toBe(false);
    expect(background).toHaveBeenCalledTimes(1);
    // Nothing appended since: the next tick syncs nothing.
    await clock.advance(500);
    await spool.synced();
    expect(background).toHaveBeenCalledTimes(1);
    expect(onThisThread).not.toHaveBeenCalled();
    spool.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('logs a failed background sync and tries again at the next tick', async () => {
    const clock = new ManualClock(0);
    const logger = new RecordingLogger();
    const spool = new FileSpool(parseFileSpoolOptions({ directory: temporaryFolder(), fsync: 'interval', fsyncIntervalMs: 500 }), clock, logger);
    const batch = spool.open(meta(id('f')));
    batch.append('"z"\n');
    const fdatasync = fs.fdatasync;
    const attempts = vi.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      setImmediate(() => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
    }) as typeof fs.fdatasync);
    await clock.advance(500);
    await spool.synced();
    expect(batch.dirty).toBe(true);
    expect(logger.at('error')).toEqual([expect.stringMatching(/could not force a spool file to the disk.*EIO/)]);
    attempts.mockImplementation(fdatasync);
    await clock.advance(500);
    await spool.synced();
    expect(attempts).toHaveBeenCalledTimes(2);
    expect(batch.dirty).toBe(false);
    spool.close();
  });

  describe("with fsync: 'interval'", () => {
    /** The paths given to fsync(2), on this thread or the threadpool, by following the descriptors opened. */
    function watchFsync() {
      const names = new Map<number, string>();
      const synced: string[] = [];
      const openSync = fs.openSync;
      vi.spyOn(fs, 'openSync').mockImplementation(((file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
        const fd = openSync(file, flags ?? 'r', mode);
        names.set(fd, String(file));
        return fd;
      }) as typeof fs.openSync);
      const open = fs.open;
      vi.spyOn(fs, 'open').mockImplementation(((file: fs.PathLike, flags: fs.OpenMode, callback: (error: NodeJS.ErrnoException | null, fd: number) => void) => {
        open(file, flags, (error, fd) => {
          if (!error) names.set(fd, String(file));
          callback(error, fd);
        });
      }) as typeof fs.open);
      const fsyncSync = fs.fsyncSync;
      vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
        synced.push(names.get(fd) ?? `fd ${fd}`);
        fsyncSync(fd);
      });
      const fsync = fs.fsync;
      vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
        synced.push(names.get(fd) ?? `fd ${fd}`);
        fsync(fd, callback);
      }) as typeof fs.fsync);
      return synced;
    }

    it('forces a new meta file and the batches folder to the disk at the next tick, not in open()', async () => {
      const { spool, directory, clock } = spoolIn('interval');
      const synced = watchFsync();
      spool.open(meta(id('i'))).append('"x"\n');
      expect(synced).toEqual([]);
      await clock.advance(1_000);
      await spool.synced();
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
});
