import fs from 'node:fs';
import { FILE_MODE } from './ensurePrivateFolder.js';
import { writeFully } from './writeFully.js';

/**
 * Writes `text` to `file` whole or not at all: into `<file>.tmp` first, then a rename, so a
 * crash or a full disk never leaves a torn file under the real name. With `durable` the
 * temporary file is fsynced before the rename (the folder is the caller's to sync). Mode 0600.
 * Throws the raw fs error, after removing the temporary file.
 */
export function writeFileAtomically(file: string, text: string, durable: boolean): void {
  const temporary = `${file}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'w', FILE_MODE);
    try {
      writeFully(fd, Buffer.from(text, 'utf8'), 0);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
