import fs from 'node:fs';

/**
 * Writes all of `bytes` at `position` of `fd`. write(2) may write less than asked (a disk
 * that fills up mid-write does exactly that), so it loops; a write that makes no progress is
 * reported as ENOSPC, which is what the next call would say. Throws the raw fs error.
 */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) {
    const written = fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (written <= 0) throw Object.assign(new Error('write(2) wrote nothing'), { code: 'ENOSPC' });
    done += written;
  }
}
