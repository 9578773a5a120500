import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@sluice/core';
import { ensurePrivateFolder } from '../fs/ensurePrivateFolder.js';
import { writeFileAtomically } from '../fs/writeFileAtomically.js';

/** What `quarantine/<identifier>.reason.json` says about files moved there. */
export interface QuarantineReason {
  /** When they were moved (the spool's clock, ms). */
  readonly at: number;
  /** Why they could not be used. */
  readonly problem: string;
  /** Where they were, and what they are called now. */
  readonly files: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

/**
 * Moves the files of a batch the spool cannot use (an empty or torn meta file, records whose
 * meta is missing) into `quarantine/`, bytes untouched, with `<identifier>.reason.json` saying
 * why, and logs an error naming where. Never throws: a file that cannot be moved is logged and
 * left, and the other batches are delivered all the same.
 */
export function quarantine(options: {
  readonly folder: string;
  readonly identifier: string;
  readonly files: readonly string[];
  readonly problem: string;
  readonly at: number;
  readonly logger: Logger;
}): void {
  const { folder, identifier, files, problem, at, logger } = options;
  const moved: Array<{ from: string; to: string }> = [];
  try {
    ensurePrivateFolder(folder);
    for (const from of files) {
      if (!fs.existsSync(from)) continue;
      let to = path.join(folder, path.basename(from));
      // The same identifier quarantined twice keeps both copies.
      for (let n = 1; fs.existsSync(to); n += 1) to = path.join(folder, `${path.basename(from)}.${n}`);
      fs.renameSync(from, to);
      moved.push({ from, to });
    }
    const reason: QuarantineReason = { at, problem, files: moved };
    const reasonFile = path.join(folder, `${identifier}.reason.json`);
    writeFileAtomically(fs.existsSync(reasonFile) ? `${reasonFile.slice(0, -'.json'.length)}.${at}.json` : reasonFile, JSON.stringify(reason, null, 2), false);
    logger.error('a spool file cannot be used; it was moved to the quarantine, bytes untouched, and every other batch is delivered', {
      problem,
      files: moved.map((f) => `${f.from} -> ${f.to}`),
      fix: `Inspect ${folder}; fix the meta file and move the files back to batches/ to deliver them, or delete them.`,
    });
  } catch (error) {
    logger.error('a spool file cannot be used and could not be moved to the quarantine; it is left where it is and skipped', {
      problem,
      files,
      moved: moved.map((f) => f.to),
      error: (error as NodeJS.ErrnoException).code ?? String(error),
    });
  }
}
