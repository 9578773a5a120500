import fs from 'node:fs';

/**
 * Forces a file, or a folder's entries (a rename or a new file in it), to the disk. Throws the
 * raw fs error; callers wrap or log it.
 */
export function syncPath(target: string): void {
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
