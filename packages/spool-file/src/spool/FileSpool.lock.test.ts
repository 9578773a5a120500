import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@sluice/core/testing';
import { fileSpoolHarness, thrown } from '../../test-support/fileSpoolHarness.js';
import { RecordingLogger } from '../../test-support/RecordingLogger.js';

describe('FileSpool', () => {
  const { spoolIn } = fileSpoolHarness();

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
