import path from 'node:path';

/** Where a spool keeps what: one data and one meta file per batch, a reason file per dead letter. */
export function spoolPaths(directory: string) {
  const batches = path.join(directory, 'batches');
  const dead = path.join(directory, 'dead-letter');
  return {
    batches,
    dead,
    lock: path.join(directory, 'lock'),
    data: (folder: string, identifier: string) => path.join(folder, `${identifier}.ndjson`),
    meta: (folder: string, identifier: string) => path.join(folder, `${identifier}.meta.json`),
    reason: (identifier: string) => path.join(dead, `${identifier}.reason.json`),
  };
}

export type SpoolPaths = ReturnType<typeof spoolPaths>;
