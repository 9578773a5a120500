import fs from 'node:fs';
import { spoolFailure } from '../fs/spoolFailure.js';
import { spoolPaths } from '../spool/spoolPaths.js';
import { listSpool } from './listSpool.js';

/**
 * Moves dead letters (all, or the given identifiers) back to the pending batches; the next
 * process to start on the folder delivers them. Returns the identifiers moved. Throws
 * SpoolError if the folder is not a spool folder or a move fails (those moved stay moved).
 */
export function replayDeadLetters(directory: string, identifiers?: readonly string[]): string[] {
  const paths = spoolPaths(directory);
  const moved: string[] = [];
  for (const { identifier } of listSpool(directory).dead) {
    if (identifiers && !identifiers.includes(identifier)) continue;
    try {
      // Data first, meta last, as the spool does: a crash between leaves it recoverable.
      fs.renameSync(paths.data(paths.dead, identifier), paths.data(paths.batches, identifier));
      fs.renameSync(paths.meta(paths.dead, identifier), paths.meta(paths.batches, identifier));
      fs.rmSync(paths.reason(identifier), { force: true });
    } catch (error) {
      throw spoolFailure(error, 'move the dead letter back to pending:', paths.data(paths.dead, identifier));
    }
    moved.push(identifier);
  }
  return moved;
}
