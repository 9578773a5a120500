import path from 'node:path';

/**
 * Where a spool keeps what: one data and one meta file per batch, a reason file per dead
 * letter, what could not be read in `quarantine/`, and the lock folder.
 */
export function spoolPaths(directory: string) {
  const batches = path.join(directory, 'batches');
  const dead = path.join(directory, 'dead-letter');
  return {
    directory,
    batches,
    dead,
    quarantine: path.join(directory, 'quarantine'),
    lock: path.join(directory, 'lock'),
    data: (folder: string, identifier: string) => path.join(folder, `${identifier}.ndjson`),
    meta: (folder: string, identifier: string) => path.join(folder, `${identifier}.meta.json`),
    reason: (identifier: string) => path.join(dead, `${identifier}.reason.json`),
  };
}

export type SpoolPaths = ReturnType<typeof spoolPaths>;
