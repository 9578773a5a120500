import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fileSpoolHarness, id, meta, text, thrown } from '../../test-support/fileSpoolHarness.js';

describe('FileSpool', () => {
  const { spoolIn, temporaryFolder } = fileSpoolHarness();

  it('creates its folders 0700 and its files 0600 whatever the umask', () => {
    const directory = path.join(temporaryFolder(), 'a', 'spool');
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
});
