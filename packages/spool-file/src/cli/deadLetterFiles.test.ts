import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@sluice/core/testing';
import { batchMeta } from '../../test-support/batchMeta.js';
import { parseFileSpoolOptions } from '../config.js';
import { FileSpool } from '../spool/FileSpool.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/sluice-spool.js');

describe('sluice-spool', () => {
  it('lists dead letters with their reason and moves them back to pending', () => {
    const { directory, remove } = temporarySpoolDirectory();
    try {
      const spool = new FileSpool(parseFileSpoolOptions({ directory }), new ManualClock(0));
      const identifier = 'c'.repeat(64);
      const batch = spool.open(batchMeta(identifier, { bucket: 'missing', prefix: 'logs' }));
      batch.append('"z"\n');
      batch.deadLetter({ at: 2, code: 'NoSuchBucket', message: 'The specified bucket does not exist', attempts: 40, firstFailureAt: 1 });
      spool.close();

      const listing = execFileSync(process.execPath, [cli, 'list', '--dir', directory], { encoding: 'utf8' });
      expect(listing).toContain('0 pending batch(es)');
      expect(listing).toContain(`${identifier}  s3://missing/logs/  4 bytes  NoSuchBucket: The specified bucket does not exist (after 40 attempts)`);

      const replay = execFileSync(process.execPath, [cli, 'replay', '--dir', directory], { encoding: 'utf8' });
      expect(replay).toContain('1 dead letter(s) moved back to pending');
      expect(fs.readdirSync(path.join(directory, 'batches')).sort()).toEqual([`${identifier}.meta.json`, `${identifier}.ndjson`]);
      expect(fs.readdirSync(path.join(directory, 'dead-letter'))).toEqual([]);
    } finally {
      remove();
    }
  });

  it('explains its usage when called wrongly', () => {
    let output = '';
    try {
      execFileSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      output = String((error as { stderr: string }).stderr);
      expect((error as { status: number }).status).toBe(2);
    }
    expect(output).toContain('sluice-spool replay --dir <spool folder>');
  });
});
