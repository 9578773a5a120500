// The floor: a hand-written minimal pipeline doing the durable work a minute's promise asks of
// any shipper, and nothing else, to stand beside Sluice in the same run. Each event is turned
// into a line of NDJSON; with a file, every line is written to it before the call that stored
// it returns (what "written before send() returns" needs; no fsync, as the heavy minute runs
// with fsync 'never'); the lines, in ~1 MiB writes, go through one gzip stream at level 6 into
// ONE multipart upload (lib-storage, 8 MiB parts, 4 at once) of one object.
//
// What it leaves out, because the promise does not need it: no batching per destination or
// minute (one destination, one object), no spool index, no retries, no per-part CRC32 (S3's
// optional checksum; Sluice sends it by default), no reading the file back (the bytes are
// still in memory here; Sluice reads them back to keep its memory bounded at any size).
import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CREDENTIALS } from './bucket.mjs';

const MIB = 1024 * 1024;
// Text handed to gzip per write: large enough that a write is not per event, small enough that
// what waits in memory stays near the gzip stream's own buffer.
const GZIP_WRITE_CHARS = MIB;

/**
 * Opens the floor's pipeline into bucket `bench`, object `key`. `directory` (a private folder,
 * e.g. from mkdtemp, which makes it 0700): each line is also written to a 0600 file in it.
 * `fileWrites`: 'send' writes each line with its own write(2), as send() must (the event is
 * stored when the call returns); 'turn' writes a producer turn's lines with one write(2), a
 * shortcut a per-call API cannot take, measured only to show what the per-call write costs.
 */
export function floorPipeline({ endpoint, key, directory, fileWrites = 'send' }) {
  // The SDK's own client, signing with Signature V4 (the SHA-256 of each part: work any shipper
  // pays); CRC32 only where S3 requires it, which a multipart upload does not.
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...CREDENTIALS }, requestChecksumCalculation: 'WHEN_REQUIRED' });
  // A writable buffer of 4 MiB lets the producer run on while gzip compresses the previous
  // writes on libuv's threadpool; waiting for 'drain' past it keeps memory bounded.
  const gzip = createGzip({ level: 6, writableHighWaterMark: 4 * MIB });
  const upload = new Upload({ client, partSize: 8 * MIB, queueSize: 4, params: { Bucket: 'bench', Key: key, Body: gzip, ContentType: 'application/gzip' } });
  const done = upload.done();
  // Read at end(); until then a failure must not surface as an unhandled rejection.
  done.catch(() => {});
  const fd = directory ? openSync(path.join(directory, 'minute.ndjson'), 'a', 0o600) : undefined;
  let lines = [];
  let chars = 0;
  let turnLines = [];
  const toGzip = () => {
    const ok = gzip.write(lines.join(''));
    lines = [];
    chars = 0;
    return ok;
  };
  return {
    /**
     * One small request before the measurement: the SDK's first-use costs (client set-up,
     * middleware resolution, the first answer parsed: 20–30 ms in one turn) are paid as the
     * pipeline starts, as Sluice pays them when it starts (its S3 client's warm-up).
     */
    async warm() {
      await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `floor-warm-up/${key}`, Body: Buffer.alloc(1) }));
    },
    /** Stores one event's line (a string ending in "\n"): written to the file now, if there is one. */
    append(line) {
      if (fd !== undefined) {
        if (fileWrites === 'send') writeSync(fd, line);
        else turnLines.push(line);
      }
      lines.push(line);
      chars += line.length;
    },
    /**
     * Ends a producer turn: its lines written to the file if they wait for the turn, and ~1 MiB
     * handed to gzip. Returns a promise to await before the next turn when gzip is full, else undefined.
     */
    endTurn() {
      if (fd !== undefined && turnLines.length > 0) {
        writeSync(fd, turnLines.join(''));
        turnLines = [];
      }
      if (chars < GZIP_WRITE_CHARS) return undefined;
      return toGzip() ? undefined : once(gzip, 'drain');
    },
    /** Sends what is left, ends the object and waits until S3 has it. */
    async end() {
      if (chars > 0) toGzip();
      gzip.end();
      try {
        await done;
      } finally {
        if (fd !== undefined) closeSync(fd);
        client.destroy();
      }
    },
  };
}
