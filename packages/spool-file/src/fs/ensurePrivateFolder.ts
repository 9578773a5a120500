import fs from 'node:fs';
import path from 'node:path';

/** Folders of the spool are readable by their owner only: payloads are kept in plain text. */
export const FOLDER_MODE = 0o700;
/** Files of the spool are readable by their owner only. */
export const FILE_MODE = 0o600;

/**
 * Creates `folder` (and its missing parents) with mode 0700 whatever the umask, and sets 0700
 * on it if it already existed. Parents that already existed keep their mode: the user chose
 * it. Returns whether anything was created. Throws the raw fs error; callers wrap it.
 */
export function ensurePrivateFolder(folder: string): boolean {
  const first = fs.mkdirSync(folder, { recursive: true, mode: FOLDER_MODE });
  // mkdir's mode is filtered by the umask, so set it explicitly on every folder created.
  if (first !== undefined) {
    for (let created = folder; ; created = path.dirname(created)) {
      fs.chmodSync(created, FOLDER_MODE);
      if (created === first || path.dirname(created) === created) break;
    }
  } else {
    fs.chmodSync(folder, FOLDER_MODE);
  }
  return first !== undefined;
}
