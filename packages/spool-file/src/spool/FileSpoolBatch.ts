import fs from 'node:fs';
import { promisify } from 'node:util';
import { SpoolError, type DeadLetterReason, type Logger, type SpoolBatch, type SpooledBatchMeta } from '@sluice/core';
import { ensurePrivateFolder, FILE_MODE } from '../fs/ensurePrivateFolder.js';
import { spoolFailure } from '../fs/spoolFailure.js';
import { writeFileAtomically } from '../fs/writeFileAtomically.js';
import { writeFully, writeRecordsFully, writeTextFully } from '../fs/writeFully.js';
import type { FileRemover } from './FileRemover.js';
import type { PendingSyncs } from './PendingSyncs.js';
import type { SpoolPaths } from './spoolPaths.js';

/** Read and handed over in chunks of this size: the size the S3 serializer feeds gzip, so it copies nothing. */
const READ_CHUNK = 4 * 1024 * 1024;
const read = promisify(fs.read);

/** What a batch needs from its spool. */
export interface FileSpoolBatchContext {
  readonly paths: SpoolPaths;
  readonly fsync: 'never' | 'interval' | 'always';
  readonly syncs: PendingSyncs;
  readonly logger: Logger;
  /** Told when the batch is delivered or buried, so the spool stops syncing it. */
  readonly retire: (batch: FileSpoolBatch) => void;
  /** Deletes delivered batches' files off the event loop, in order. */
  readonly remover: FileRemover;
}

/**
 * One batch's records in `<identifier>.ndjson`, its identity in `<identifier>.meta.json`.
 *
 * Every append is written whole at the end of the last whole record (positional writes), or
 * the file is cut back to that record and a SpoolError is thrown: a full disk never leaves a
 * torn record to deliver. Once a write returns the bytes are in the kernel, so a crash of the
 * process cannot lose them. The batch reads its records back through the file descriptor it
 * wrote them with, so even a spool folder deleted under a running process does not lose what
 * was accepted: the records are written again into a recreated folder (see {@link relinkIfDeleted}).
 */
export class FileSpoolBatch implements SpoolBatch {
  #fd: number | undefined;
  #folder: string;
  /** Bytes of whole records: what is delivered, and where the next record is written. */
  #size: number;
  /** Bytes handed out by take() so far. */
  #taken = 0;
  #dirty = false;
  /** Background syncs under way: sync() waits for none of them, so it forces the file itself. */
  #backgroundSyncs = 0;
  /** Reads of contents() and background syncs using the descriptor: it is closed when the last ends. */
  #readers = 0;
  #closeWhenRead: number | undefined;

  constructor(
    private readonly context: FileSpoolBatchContext,
    /** The batch's meta, as in its meta file. */
    readonly meta: SpooledBatchMeta,
    folder: string,
    size: number,
    fd?: number,
  ) {
    this.#folder = folder;
    this.#size = size;
    this.#fd = fd;
  }

  /** The batch's identifier, its files' name. */
  get identifier(): string {
    return this.meta.identifier;
  }

  /** Whether appends since the last sync() (or the start of the last background sync) are not yet on the disk. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Bytes of whole records in the batch. */
  get size(): number {
    return this.#size;
  }

  get #dataPath(): string {
    return this.context.paths.data(this.#folder, this.identifier);
  }

  /**
   * Stores `record` whole, or throws SpoolError (`SLUICE_SPOOL_FULL` on a full disk or quota,
   * `SLUICE_SPOOL_WRITE_FAILED` otherwise) with the file cut back to the records before it.
   */
  append(record: string): number {
    return this.#write(record, 'append a record to', 'The event was not stored (send() threw); the batch keeps every record before it.');
  }

  /**
   * Stores `records` with one write, all or nothing: on a failed write the file is cut back to
   * the records before the call and SpoolError is thrown, so none of them is stored.
   */
  appendMany(records: readonly string[]): number {
    if (records.length === 0) return 0;
    return this.#write(records, 'append records to', `None of the ${records.length} events was stored (sendMany() reports them refused); the batch keeps every record before them.`);
  }

  #write(text: string | readonly string[], doing: string, consequence: string): number {
    let bytes: number;
    let chars = 0;
    try {
      const fd = this.#descriptor();
      if (typeof text === 'string') {
        bytes = writeTextFully(fd, text, this.#size);
        chars = text.length;
      } else {
        bytes = writeRecordsFully(fd, text, this.#size);
        for (const record of text) chars += record.length;
      }
      if (this.context.fsync === 'always') fs.fdatasyncSync(fd);
    } catch (error) {
      this.#cutBack();
      throw spoolFailure(error, doing, this.#dataPath, consequence);
    }
    this.#size += bytes;
    if (this.context.fsync !== 'always') this.#dirty = true;
    return bytes - chars;
  }

  /** Forces appended records to the disk now, on this thread (at close). Throws SpoolError. */
  sync(): void {
    if (this.#fd === undefined || (!this.#dirty && this.#backgroundSyncs === 0)) return;
    try {
      fs.fdatasyncSync(this.#fd);
    } catch (error) {
      throw spoolFailure(error, 'force to the disk', this.#dataPath, 'A power loss may lose its latest records.');
    }
    this.#dirty = false;
  }

  /**
   * Forces appended records to the disk on libuv's threadpool (fsync: 'interval'), so the
   * event loop goes on taking events meanwhile; `done` is called when the data is on the
   * disk, with a SpoolError if that failed (then the batch is dirty again, and the next sync
   * tries again). Records appended while it runs are left for the next sync.
   */
  syncInBackground(done: (error?: SpoolError) => void): void {
    if (this.#fd === undefined || !this.#dirty) {
      done();
      return;
    }
    const fd = this.#fd;
    this.#dirty = false;
    this.#readers += 1;
    this.#backgroundSyncs += 1;
    fs.fdatasync(fd, (error) => {
      this.#backgroundSyncs -= 1;
      this.#doneWithDescriptor();
      if (!error) {
        done();
        return;
      }
      this.#dirty = true;
      done(spoolFailure(error, 'force to the disk', this.#dataPath, 'A power loss may lose its latest records.'));
    });
  }

  /** The records, read through the batch's file descriptor in chunks of 4 MiB: bounded memory for any size. */
  contents(): AsyncIterable<Uint8Array> {
    const size = this.#size;
    return { [Symbol.asyncIterator]: () => this.#read(0, size) };
  }

  /**
   * The records appended since the last take, for a batch streamed while open. They stay in
   * the file: a crash still leaves the whole batch for recovery, and contents() gives it all.
   */
  take(): AsyncIterable<Uint8Array> {
    const from = this.#taken;
    this.#taken = this.#size;
    const to = this.#size;
    return { [Symbol.asyncIterator]: () => this.#read(from, to) };
  }

  async *#read(from: number, size: number): AsyncGenerator<Uint8Array> {
    let fd: number;
    try {
      fd = this.#descriptor();
    } catch (error) {
      throw spoolFailure(error, 'read the batch file', this.#dataPath, 'The batch cannot be delivered now; it is retried.');
    }
    this.#readers += 1;
    try {
      for (let position = from; position < size; ) {
        const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - position));
        let bytesRead: number;
        try {
          ({ bytesRead } = await read(fd, chunk, 0, chunk.length, position));
        } catch (error) {
          throw spoolFailure(error, 'read the batch file', this.#dataPath, 'The batch cannot be delivered now; it is retried.');
        }
        if (bytesRead === 0) {
          throw new SpoolError(
            'SLUICE_SPOOL_UNAVAILABLE',
            `The batch file ${this.#dataPath} is shorter (${position} bytes) than the ${size} bytes written to it: something else changed it. The batch is not delivered; restore the file or move it away.`,
            this.#dataPath,
          );
        }
        position += bytesRead;
        yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      }
    } finally {
      this.#doneWithDescriptor();
    }
  }

  /** One use of the descriptor ended: closes it if it was released meanwhile and this was the last. */
  #doneWithDescriptor(): void {
    this.#readers -= 1;
    if (this.#readers === 0 && this.#closeWhenRead !== undefined) {
      fs.closeSync(this.#closeWhenRead);
      this.#closeWhenRead = undefined;
    }
  }

  /**
   * Forgets the delivered batch: its files are deleted on libuv's threadpool, records first,
   * after those of batches discarded before (see FileRemover; the spool's close deletes what
   * is left). Safe twice; never throws: a file that stays is logged, and the next start
   * delivers the batch again to the same key, which S3 keeps as one object.
   */
  discard(): void {
    this.context.retire(this);
    this.#closeFile();
    this.context.remover.remove([this.#dataPath, this.context.paths.meta(this.#folder, this.identifier)]);
  }

  /** Moves the batch and a reason file to `dead-letter/`. Throws SpoolError if that fails; the records stay where they were. */
  deadLetter(reason: DeadLetterReason): void {
    this.context.retire(this);
    const { paths } = this.context;
    try {
      this.relinkIfDeleted();
      ensurePrivateFolder(paths.dead);
      writeFileAtomically(paths.reason(this.identifier), JSON.stringify(reason, null, 2), this.context.fsync === 'always');
      this.#move(paths.dead);
    } catch (error) {
      throw spoolFailure(error, 'move the batch to the dead letters:', this.#dataPath, 'The batch stays pending and is delivered again at the next start.');
    } finally {
      this.#closeFile();
    }
  }

  /** Takes the dead letter back to `batches/`. Throws SpoolError if that fails. */
  revive(): void {
    const { paths } = this.context;
    try {
      ensurePrivateFolder(paths.batches);
      this.#move(paths.batches);
      fs.rmSync(paths.reason(this.identifier), { force: true });
    } catch (error) {
      throw spoolFailure(error, 'move the dead letter back to pending:', this.#dataPath, 'It stays a dead letter; try `sluice-spool replay`.');
    }
  }

  /**
   * If the batch's file was deleted under it (the spool folder removed while the process runs),
   * writes its records again, from the open file descriptor, into a recreated folder, and goes
   * on there. Returns whether it did. Throws the raw fs error.
   */
  relinkIfDeleted(): boolean {
    if (this.#fd === undefined || fs.fstatSync(this.#fd).nlink > 0) return false;
    const old = this.#fd;
    ensurePrivateFolder(this.#folder);
    writeFileAtomically(this.context.paths.meta(this.#folder, this.identifier), JSON.stringify(this.meta), this.context.fsync !== 'never');
    const fd = fs.openSync(this.#dataPath, 'wx+', FILE_MODE);
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(this.#size, 1)));
    for (let position = 0; position < this.#size; ) {
      const got = fs.readSync(old, buffer, 0, Math.min(buffer.length, this.#size - position), position);
      if (got === 0) break;
      writeFully(fd, buffer.subarray(0, got), position);
      position += got;
    }
    if (this.context.fsync !== 'never') fs.fdatasyncSync(fd);
    this.context.syncs.changed(this.#folder);
    this.#fd = fd;
    this.#release(old);
    this.context.logger.warn('a spool file was deleted under the running process; its records were written again', { file: this.#dataPath, bytes: this.#size });
    return true;
  }

  /** Releases the file handle after a last sync; the files stay for the next start. Throws SpoolError. */
  close(): void {
    try {
      this.relinkIfDeleted();
      this.sync();
    } catch (error) {
      throw spoolFailure(error, 'keep the batch file', this.#dataPath, 'Its records may be lost when this process exits.');
    } finally {
      this.#closeFile();
    }
  }

  #descriptor(): number {
    // A recovered batch opens its file on first use; read and write, as a new batch does.
    this.#fd ??= fs.openSync(this.#dataPath, 'r+');
    return this.#fd;
  }

  /** Cuts the file back to its last whole record after a failed append; the next append overwrites whatever stays. */
  #cutBack(): void {
    if (this.#fd === undefined) return;
    try {
      fs.ftruncateSync(this.#fd, this.#size);
    } catch {
      // Appends are written at #size and contents() reads up to it, so a tail that could not be
      // cut is never delivered; recovery cuts it off (it holds no "\n").
    }
  }

  #move(folder: string): void {
    const { paths, syncs } = this.context;
    const from = this.#folder;
    // Data first, meta last: recovery goes by meta files and fetches data a crash between the
    // two renames left in the other folder.
    fs.renameSync(paths.data(from, this.identifier), paths.data(folder, this.identifier));
    fs.renameSync(paths.meta(from, this.identifier), paths.meta(folder, this.identifier));
    this.#folder = folder;
    syncs.changed(folder);
    syncs.changed(from);
  }

  #closeFile(): void {
    if (this.#fd === undefined) return;
    this.#release(this.#fd);
    this.#fd = undefined;
  }

  /** Closes `fd` now, or when the last read of contents() or background sync ends: a closed number may be reused for another file. */
  #release(fd: number): void {
    if (this.#readers > 0) {
      if (this.#closeWhenRead !== undefined) fs.closeSync(this.#closeWhenRead);
      this.#closeWhenRead = fd;
      return;
    }
    fs.closeSync(fd);
  }
}
