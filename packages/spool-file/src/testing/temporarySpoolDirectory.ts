import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh spool folder under the OS temp folder, and a function that removes it. */
export function temporarySpoolDirectory(): { directory: string; remove: () => void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-spool-'));
  return { directory, remove: () => fs.rmSync(directory, { recursive: true, force: true }) };
}
