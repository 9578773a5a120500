import fs from 'node:fs';

/**
 * Takes the spool folder for this process: a lock file holding the pid. A lock left by a
 * process that no longer runs (a crash, kill -9) is taken over; one held by a live process
 * is refused, since two writers would interleave and deliver each other's batches.
 */
export function acquireLock(lockPath: string, directory: string): () => void {
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The spool folder ${directory} is in use by process ${holder}. Give each process its own folder (fileSpoolModule({ directory })), or stop that process first.`,
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    fs.rmSync(lockPath, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
