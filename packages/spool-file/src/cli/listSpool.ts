import fs from 'node:fs';
import path from 'node:path';
import { SpoolError, type DeadLetterReason } from '@sluice/core';
import { spoolFailure } from '../fs/spoolFailure.js';
import { readBatchMeta } from '../spool/readBatchMeta.js';
import { spoolPaths } from '../spool/spoolPaths.js';
import type { QuarantineReason } from '../spool/quarantine.js';

/** What a spool folder holds, read from its files. */
export interface SpoolListing {
  readonly pending: ReadonlyArray<{ identifier: string; route: string; bytes: number }>;
  readonly dead: ReadonlyArray<{ identifier: string; route: string; bytes: number; reason: DeadLetterReason }>;
  /** Batches a start moved to `quarantine/` because they could not be read. */
  readonly quarantined: ReadonlyArray<{ identifier: string; problem: string }>;
  /** Files in `batches/` or `dead-letter/` that cannot be read; the next start quarantines them. */
  readonly unreadable: ReadonlyArray<{ file: string; problem: string }>;
}

const META = '.meta.json';
const DATA = '.ndjson';

function names(folder: string): string[] {
  try {
    return fs.readdirSync(folder).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw spoolFailure(error, 'read', folder);
  }
}

/** Throws SpoolError SLUICE_SPOOL_UNAVAILABLE unless `directory` is a spool folder. */
export function assertSpoolFolder(directory: string): void {
  const paths = spoolPaths(directory);
  const isFolder = (folder: string) => fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() === true;
  if (!isFolder(directory)) {
    throw new SpoolError('SLUICE_SPOOL_UNAVAILABLE', `${directory} does not exist or is not a folder. Give the folder passed to fileSpoolModule({ directory }).`, directory);
  }
  if (!isFolder(paths.batches) || !isFolder(paths.dead)) {
    throw new SpoolError(
      'SLUICE_SPOOL_UNAVAILABLE',
      `${directory} is not a spool folder: it has no batches/ and dead-letter/ folders. Give the folder passed to fileSpoolModule({ directory }).`,
      directory,
    );
  }
}

/**
 * What a spool folder holds, read from its files (no process needs to run; nothing is
 * changed). Throws SpoolError if `directory` is not a spool folder or cannot be read.
 */
export function listSpool(directory: string): SpoolListing {
  assertSpoolFolder(directory);
  const paths = spoolPaths(directory);
  const unreadable: Array<{ file: string; problem: string }> = [];
  const read = (folder: string) => {
    const entries: Array<{ identifier: string; route: string; bytes: number }> = [];
    const all = names(folder);
    for (const name of all) {
      if (name.endsWith(DATA) && !all.includes(`${name.slice(0, -DATA.length)}${META}`)) {
        unreadable.push({ file: path.join(folder, name), problem: 'records without a meta file' });
      }
      if (!name.endsWith(META)) continue;
      const identifier = name.slice(0, -META.length);
      const file = paths.meta(folder, identifier);
      const result = readBatchMeta(file, identifier);
      if ('problem' in result) {
        unreadable.push({ file, problem: result.problem });
        continue;
      }
      const size = fs.statSync(paths.data(folder, identifier), { throwIfNoEntry: false })?.size ?? 0;
      entries.push({ identifier, route: result.meta.routeId, bytes: size });
    }
    return entries;
  };
  const reasonOf = (identifier: string): DeadLetterReason => {
    try {
      return JSON.parse(fs.readFileSync(paths.reason(identifier), 'utf8')) as DeadLetterReason;
    } catch {
      return { at: 0, code: 'Unknown', message: `the reason file ${paths.reason(identifier)} is missing or unreadable`, attempts: 0, firstFailureAt: 0 };
    }
  };
  const quarantined = names(paths.quarantine)
    .filter((name) => name.endsWith('.reason.json'))
    .map((name) => {
      const identifier = name.slice(0, name.indexOf('.'));
      try {
        const reason = JSON.parse(fs.readFileSync(path.join(paths.quarantine, name), 'utf8')) as QuarantineReason;
        return { identifier, problem: reason.problem };
      } catch {
        return { identifier, problem: `see ${path.join(paths.quarantine, name)}` };
      }
    });
  return {
    pending: read(paths.batches),
    dead: read(paths.dead).map((entry) => ({ ...entry, reason: reasonOf(entry.identifier) })),
    quarantined,
    unreadable,
  };
}
