import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@sluice/core/testing';
import { batchMeta } from '../../test-support/batchMeta.js';
import { RecordingLogger } from '../../test-support/RecordingLogger.js';
import { parseFileSpoolOptions } from '../config.js';
import { FileSpool } from '../spool/FileSpool.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';
import { main } from './main.js';

const packageRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(packageRoot, 'bin/sluice-spool.js');
const built = fs.existsSync(path.join(packageRoot, 'dist/cli/main.js'));

function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe('sluice-spool', () => {
  const folders: Array<() => void> = [];
  afterEach(() => folders.splice(0).forEach((remove) => remove()));
  function spoolWithDeadLetter() {
    const { directory, remove } = temporarySpoolDirectory();
    folders.push(remove);
    const spool = new FileSpool(parseFileSpoolOptions({ directory }), new ManualClock(0), new RecordingLogger());
    const identifier = 'c'.repeat(64);
    const batch = spool.open(batchMeta(identifier, { bucket: 'missing', prefix: 'logs' }));
    batch.append('"z"\n');
    batch.deadLetter({ at: 2, code: 'NoSuchBucket', message: 'The specified bucket does not exist', attempts: 40, firstFailureAt: 1 });
    spool.close();
    return { directory, identifier };
  }

  it('lists dead letters with their reason and moves them back to pending', () => {
    const { directory, identifier } = spoolWithDeadLetter();
    const listing = run('list', '--dir', directory);
    expect(listing.code).toBe(0);
    expect(listing.stdout).toContain('0 pending batch(es)');
    expect(listing.stdout).toContain(`${identifier}  s3://missing/logs/  4 bytes  NoSuchBucket: The specified bucket does not exist (after 40 attempts)`);

    const replay = run('replay', '--dir', directory);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('1 dead letter(s) moved back to pending');
    expect(fs.readdirSync(path.join(directory, 'batches')).sort()).toEqual([`${identifier}.meta.json`, `${identifier}.ndjson`]);
    expect(fs.readdirSync(path.join(directory, 'dead-letter'))).toEqual([]);
  });

  it('refuses a folder that is not a spool folder with exit code 1', () => {
    const { directory, remove } = temporarySpoolDirectory();
    folders.push(remove);
    fs.writeFileSync(path.join(directory, 'passwd'), 'root:x:0:0\n');
    expect(run('list', '--dir', directory)).toEqual({
      code: 1,
      stdout: '',
      stderr: `sluice-spool: ${directory} is not a spool folder: it has no batches/ and dead-letter/ folders. Give the folder passed to fileSpoolModule({ directory }). [SLUICE_SPOOL_UNAVAILABLE]\n`,
    });
    expect(run('list', '--dir', path.join(directory, 'nothing-here')).stderr).toContain('does not exist or is not a folder');
  });

  it.each([
    [['frobnicate', '--dir', '/x'], 'unknown command "frobnicate"'],
    [['list', '--dri', '/x'], "Unknown option '--dri'"],
    [['list'], '--dir <spool folder> is required'],
    [[], 'no command given'],
  ])('explains its usage, without a stack trace, and exits 2 for %j', (argv, problem) => {
    const { code, stdout, stderr } = run(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(problem);
    expect(stderr).toContain('sluice-spool replay --dir <spool folder>');
    expect(stderr).toContain('Exit codes:');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('names an unreadable meta file and a quarantined batch, and exits 3', () => {
    const { directory, identifier } = spoolWithDeadLetter();
    const torn = path.join(directory, 'batches', `${'d'.repeat(64)}.meta.json`);
    fs.writeFileSync(torn, '{"destination":');
    const first = run('list', '--dir', directory);
    expect(first.code).toBe(3);
    expect(first.stdout).toContain(`1 unreadable file(s) (the next start moves them to quarantine/)\n  ${torn}: it is not valid JSON`);
    expect(first.stdout).toContain(`${identifier}  s3://missing/logs/`);
    expect(first.stderr).toBe('');

    const spool = new FileSpool(parseFileSpoolOptions({ directory }), new ManualClock(0), new RecordingLogger());
    spool.recover();
    spool.close();
    const second = run('list', '--dir', directory);
    expect(second.code).toBe(3);
    expect(second.stdout).toContain(`1 quarantined batch(es) in ${directory}/quarantine`);
    expect(second.stdout).toContain(`${'d'.repeat(64)}  The meta file ${torn} cannot be used: it is not valid JSON`);
  });

  it.skipIf(!built)('runs as the installed bin through node (needs `npm run build`; skipped when dist/ is missing)', () => {
    const { directory } = spoolWithDeadLetter();
    expect(execFileSync(process.execPath, [bin, 'list', '--dir', directory], { encoding: 'utf8' })).toContain('1 dead letter(s)');
    let status = 0;
    try {
      execFileSync(process.execPath, [bin, 'list', '--nope'], { stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
