import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { SpoolError } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { batchMeta } from '../../test-support/batchMeta.js';
import { RecordingLogger } from '../../test-support/RecordingLogger.js';
import { parseFileSpoolOptions } from '../config.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';
import { FileSpool } from './FileSpool.js';

// A real full disk: a 256 KiB tmpfs. Mounting needs root (or CAP_SYS_ADMIN).
const { directory: mountPoint, remove } = temporarySpoolDirectory();
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]).status === 0;
if (!mounted) remove();

describe.skipIf(!mounted)(`the file spool on a full disk${mounted ? '' : ' (skipped: mounting a tmpfs is not permitted here)'}`, () => {
  afterAll(() => {
    spawnSync('umount', [mountPoint]);
    remove();
  });

  it('stores every accepted record whole, throws SLUICE_SPOOL_FULL for the one that does not fit, and recovers exactly the accepted ones', () => {
    const directory = path.join(mountPoint, 'spool');
    const spool = new FileSpool(parseFileSpoolOptions({ directory, fsync: 'never' }), new ManualClock(0), new RecordingLogger());
    const identifier = 'f'.repeat(64);
    const batch = spool.open(batchMeta(identifier));
    onTestFinished(() => spool.close());
    let accepted = 0;
    let error: unknown;
    // Records of 1,000 bytes never fall on a page boundary, so the last one is cut mid-record.
    for (;;) {
      try {
        batch.append(`{"n":"${String(accepted).padStart(6, '0')}","pad":"${'x'.repeat(976)}"}\n`);
        accepted += 1;
      } catch (caught) {
        error = caught;
        break;
      }
    }
    const file = path.join(directory, 'batches', `${identifier}.ndjson`);
    expect(error).toBeInstanceOf(SpoolError);
    expect((error as SpoolError).code).toBe('SLUICE_SPOOL_FULL');
    expect((error as SpoolError).message).toContain(`Could not append a record to ${file}: the disk is full (ENOSPC)`);
    expect(accepted).toBeGreaterThan(100);
    const onDisk = fs.readFileSync(file, 'utf8');
    expect(onDisk.length).toBe(accepted * 1_000);
    expect(onDisk.split('\n').slice(0, -1).map((line) => Number((JSON.parse(line) as { n: string }).n))).toEqual(Array.from({ length: accepted }, (_, i) => i));
    spool.close();

    const next = new FileSpool(parseFileSpoolOptions({ directory, fsync: 'never' }), new ManualClock(0), new RecordingLogger());
    const [found] = next.recover();
    expect(found?.events).toBe(accepted);
    expect(found?.bytes).toBe(accepted * 1_000);
    next.close();
  });
});
