import fs from 'node:fs';
import type { DeadLetterReason, SpooledBatchMeta } from '@sluice/core';
import { spoolPaths } from '../spool/spoolPaths.js';

export interface SpoolListing {
  readonly pending: Array<{ identifier: string; route: string; bytes: number }>;
  readonly dead: Array<{ identifier: string; route: string; bytes: number; reason: DeadLetterReason }>;
}

/** What a spool folder holds, read from its files (no process needs to run). */
export function listSpool(directory: string): SpoolListing {
  const paths = spoolPaths(directory);
  const read = (folder: string) =>
    (fs.existsSync(folder) ? fs.readdirSync(folder) : [])
      .filter((name) => name.endsWith('.meta.json'))
      .map((name) => {
        const identifier = name.slice(0, -'.meta.json'.length);
        const meta = JSON.parse(fs.readFileSync(paths.meta(folder, identifier), 'utf8')) as SpooledBatchMeta;
        const data = paths.data(folder, identifier);
        return { identifier, route: meta.routeId, bytes: fs.existsSync(data) ? fs.statSync(data).size : 0 };
      });
  return {
    pending: read(paths.batches),
    dead: read(paths.dead).map((entry) => ({
      ...entry,
      reason: JSON.parse(fs.readFileSync(paths.reason(entry.identifier), 'utf8')) as DeadLetterReason,
    })),
  };
}

/**
 * Moves dead letters (all, or the given identifiers) back to the pending batches; the next
 * process to start on the folder delivers them. Returns the identifiers moved.
 */
export function replayDeadLetters(directory: string, identifiers?: readonly string[]): string[] {
  const paths = spoolPaths(directory);
  const moved: string[] = [];
  for (const { identifier } of listSpool(directory).dead) {
    if (identifiers && !identifiers.includes(identifier)) continue;
    fs.renameSync(paths.data(paths.dead, identifier), paths.data(paths.batches, identifier));
    fs.renameSync(paths.meta(paths.dead, identifier), paths.meta(paths.batches, identifier));
    fs.rmSync(paths.reason(identifier), { force: true });
    moved.push(identifier);
  }
  return moved;
}
