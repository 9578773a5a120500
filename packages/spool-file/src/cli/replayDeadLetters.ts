import fs from 'node:fs';
import { spoolFailure } from '../fs/spoolFailure.js';
import { spoolPaths } from '../spool/spoolPaths.js';
import { listSpool } from './listSpool.js';

/** Options of {@link replayDeadLetters}. */
export interface ReplayOptions {
  /** Called after each dead letter moved, with its identifier, how many are moved so far, and how many will be. */
  readonly onProgress?: (identifier: string, done: number, total: number) => void;
}

/**
 * Moves dead letters (all, or the given identifiers) back to the pending batches; the next
 * process to start on the folder delivers them. Lists the folder once, however many there
 * are. Returns the identifiers moved. Throws SpoolError if the folder is not a spool folder
 * or a move fails (those moved stay moved, and were reported to `onProgress`).
 */
export function replayDeadLetters(directory: string, identifiers?: readonly string[], options: ReplayOptions = {}): string[] {
  const paths = spoolPaths(directory);
  const wanted = identifiers && new Set(identifiers);
  const chosen = listSpool(directory).dead.filter(({ identifier }) => !wanted || wanted.has(identifier));
  const moved: string[] = [];
  for (const { identifier } of chosen) {
    try {
      // Data first, meta last, as the spool does: a crash between leaves it recoverable.
      fs.renameSync(paths.data(paths.dead, identifier), paths.data(paths.batches, identifier));
      fs.renameSync(paths.meta(paths.dead, identifier), paths.meta(paths.batches, identifier));
      fs.rmSync(paths.reason(identifier), { force: true });
    } catch (error) {
      throw spoolFailure(error, 'move the dead letter back to pending:', paths.data(paths.dead, identifier));
    }
    moved.push(identifier);
    options.onProgress?.(identifier, moved.length, chosen.length);
  }
  return moved;
}
