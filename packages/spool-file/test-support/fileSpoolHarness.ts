import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, vi } from 'vitest';
import { SpoolError, type SpooledBatchMeta } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { parseFileSpoolOptions } from '../src/config.js';
import { FileSpool } from '../src/spool/FileSpool.js';
import { temporarySpoolDirectory } from '../src/testing/temporarySpoolDirectory.js';
import { batchMeta } from './batchMeta.js';
import { RecordingLogger } from './RecordingLogger.js';

/** The meta of batch `identifier`, opened at `openedAt`. */
export const meta = (identifier: string, openedAt = 1_000): SpooledBatchMeta => batchMeta(identifier, { openedAt });

/** A batch identifier of 64 `c`s, so a test can tell its batches apart at a glance. */
export const id = (c: string): string => c.repeat(64);

/** A batch's contents, read whole, as text. */
export async function text(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all).toString('utf8');
}

/** The SpoolError `run` throws; fails the test when it throws nothing or something else. */
export function thrown(run: () => unknown): SpoolError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SpoolError);
    return error as SpoolError;
  }
  throw new Error('expected a SpoolError');
}

/**
 * FileSpool on temporary folders for the tests of one `describe`: call it in the describe's
 * body. After each test it restores every mock and removes the folders the test made.
 */
export function fileSpoolHarness() {
  const folders: Array<() => void> = [];
  afterEach(() => {
    vi.restoreAllMocks();
    folders.splice(0).forEach((remove) => remove());
  });
  /** A fresh temporary folder, removed after the test. */
  function temporaryFolder(): string {
    const temp = temporarySpoolDirectory();
    folders.push(temp.remove);
    return temp.directory;
  }
  /** A FileSpool on `directory`, or on a fresh temporary folder. */
  function spoolIn(fsync: 'never' | 'interval' | 'always' = 'never', directory?: string, logger = new RecordingLogger(), clock = new ManualClock(0)) {
    const dir = directory ?? temporaryFolder();
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
  return { spoolIn, killed, temporaryFolder };
}
