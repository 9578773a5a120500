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

/** Bytes of encoding room kept between calls of {@link writeRecordsFully}; a larger need gets a block of its own. */
const SCRATCH_KEPT = 8 * 1024 * 1024;
/**
 * Records are joined into runs of about this many characters before they are encoded: a
 * string of its own small enough for the young generation (64 KiB at two bytes a character).
 */
const RUN_CHARS = 32 * 1024;
let scratch = Buffer.alloc(0);

/**
 * Writes `records` one after the other as UTF-8 at `position` of `fd` with one write(2), and
 * returns their length in bytes. The records are joined into runs of about 32 Ki characters,
 * each encoded straight into one block kept between calls. Encoding each record on its own
 * cost a call and a copy per record (a record made by concatenation is flattened into a
 * string of its own before it is encoded): twice the time of the runs for records of 450
 * bytes. One string of the whole call, as before that, was slower still and left a string
 * as large as the write for the garbage collector. A short write finishes through
 * {@link writeFully}. Throws the raw fs error.
 *
 * Records are UTF-16 text with their terminator, so joining them changes no byte: only a
 * record ending in the first half of a surrogate pair followed by one starting with the
 * second half (which no JSON serializer makes: JSON.stringify escapes a lone surrogate)
 * would be stored as the pair's character instead of two U+FFFD.
 */
export function writeRecordsFully(fd: number, records: readonly string[], position: number): number {
  let chars = 0;
  for (const record of records) chars += record.length;
  // A UTF-16 unit takes at most 3 bytes of UTF-8 (a pair of them 4), so this always suffices.
  const room = chars * 3;
  let block = scratch;
  if (block.length < room) {
    block = Buffer.allocUnsafeSlow(room);
    if (room <= SCRATCH_KEPT) scratch = block;
  }
  let size = 0;
  let run = '';
  for (const record of records) {
    run += record;
    if (run.length >= RUN_CHARS) {
      size += block.write(run, size, 'utf8');
      run = '';
    }
  }
  if (run.length > 0) size += block.write(run, size, 'utf8');
  writeFully(fd, block.subarray(0, size), position);
  return size;
}
