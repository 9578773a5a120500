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

/**
 * Writes `text` as UTF-8 at `position` of `fd` and returns its length in bytes. The string
 * goes to write(2) without a Buffer of its own (Node encodes it on the stack, or in a block it
 * frees at once), so a stream of appends leaves no garbage of pooled buffers behind it for
 * the collector; a short write finishes through {@link writeFully}. Throws the raw fs error.
 */
export function writeTextFully(fd: number, text: string, position: number): number {
  const size = Buffer.byteLength(text, 'utf8');
  const written = fs.writeSync(fd, text, position, 'utf8');
  if (written < size) writeFully(fd, Buffer.from(text, 'utf8').subarray(Math.max(0, written)), position + Math.max(0, written));
  return size;
}
