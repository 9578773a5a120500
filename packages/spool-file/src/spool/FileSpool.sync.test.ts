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

  it('syncs open batches every fsyncIntervalMs of the injected clock', async () => {
    const clock = new ManualClock(0);
    const spool = new FileSpool(parseFileSpoolOptions({ directory: temporaryFolder(), fsync: 'interval', fsyncIntervalMs: 500 }), clock, new RecordingLogger());
    const batch = spool.open(meta(id('e')));
    batch.append('"y"\n');
    expect(batch.dirty).toBe(true);
    await clock.advance(500);
    expect(batch.dirty).toBe(false);
    spool.close();
    expect(clock.pendingTimers).toBe(0);
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
});
