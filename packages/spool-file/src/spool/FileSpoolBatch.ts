import fs from 'node:fs';
import type { DeadLetterReason, SpoolBatch } from '@sluice/core';
import type { SpoolPaths } from './spoolPaths.js';

/** Handed over as views of this size: the size the S3 serializer feeds gzip, so it copies nothing. */
const READ_CHUNK = 4 * 1024 * 1024;

/**
 * One batch's records in `<identifier>.ndjson`, its identity in `<identifier>.meta.json`.
 * Every append is one write(2) on the open file: once it returns the bytes are in the
 * kernel, so a crash of the process cannot lose them.
 */
export class FileSpoolBatch implements SpoolBatch {
  #fd: number | undefined;
  #folder: string;
  #dirty = false;

  constructor(
    private readonly paths: SpoolPaths,
    readonly identifier: string,
    folder: string,
    private readonly syncEachAppend: boolean,
    fd?: number,
    /** Told when the batch is delivered or buried, so the spool stops syncing it. */
    private readonly onRetire: (batch: FileSpoolBatch) => void = () => {},
  ) {
    this.#folder = folder;
    this.#fd = fd;
  }

  /** Whether appends since the last sync() are not yet on the disk. */
  get dirty(): boolean {
    return this.#dirty;
  }

  append(record: string): number {
    this.#fd ??= fs.openSync(this.paths.data(this.#folder, this.identifier), 'a');
    const written = fs.writeSync(this.#fd, record);
    if (this.syncEachAppend) fs.fdatasyncSync(this.#fd);
    else this.#dirty = true;
    return written - record.length;
  }

  /** Forces appended records to the disk (fsync: 'interval'). */
  sync(): void {
    if (this.#fd !== undefined && this.#dirty) fs.fdatasyncSync(this.#fd);
    this.#dirty = false;
  }

  contents(): readonly Uint8Array[] {
    const data = fs.readFileSync(this.paths.data(this.#folder, this.identifier));
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < data.length; offset += READ_CHUNK) chunks.push(data.subarray(offset, offset + READ_CHUNK));
    return chunks;
  }

  discard(): void {
    this.onRetire(this);
    this.#closeFile();
    fs.rmSync(this.paths.data(this.#folder, this.identifier), { force: true });
    fs.rmSync(this.paths.meta(this.#folder, this.identifier), { force: true });
  }

  deadLetter(reason: DeadLetterReason): void {
    this.onRetire(this);
    this.#closeFile();
    fs.writeFileSync(this.paths.reason(this.identifier), JSON.stringify(reason, null, 2));
    this.#move(this.paths.dead);
  }

  revive(): void {
    this.#move(this.paths.batches);
    fs.rmSync(this.paths.reason(this.identifier), { force: true });
  }

  /** Releases the file handle; the files stay for the next start. */
  close(): void {
    this.sync();
    this.#closeFile();
  }

  #move(folder: string): void {
    // Data first, meta last: recovery goes by meta files and fetches data a crash between the
    // two renames left in the other folder.
    fs.renameSync(this.paths.data(this.#folder, this.identifier), this.paths.data(folder, this.identifier));
    fs.renameSync(this.paths.meta(this.#folder, this.identifier), this.paths.meta(folder, this.identifier));
    this.#folder = folder;
  }

  #closeFile(): void {
    if (this.#fd === undefined) return;
    fs.closeSync(this.#fd);
    this.#fd = undefined;
  }
}
