import fs from 'node:fs';
import { inject, injectable } from 'inversify';
import {
  CLOCK,
  LOGGER,
  SpoolError,
  type Clock,
  type DeadLetterReason,
  type Logger,
  type RecoveredBatch,
  type Spool,
  type SpooledBatchMeta,
  type Timer,
} from '@sluice/core';
import type { FileSpoolOptions } from '../config.js';
import { FILE_SPOOL_OPTIONS } from '../di/tokens.js';
import { ensurePrivateFolder, FILE_MODE } from '../fs/ensurePrivateFolder.js';
import { spoolFailure } from '../fs/spoolFailure.js';
import { writeFileAtomically } from '../fs/writeFileAtomically.js';
import { DirectoryLock } from '../lock/DirectoryLock.js';
import { countRecords } from './countRecords.js';
import { FileSpoolBatch, type FileSpoolBatchContext } from './FileSpoolBatch.js';
import { FileRemover } from './FileRemover.js';
import { PendingSyncs } from './PendingSyncs.js';
import { quarantine } from './quarantine.js';
import { readBatchMeta } from './readBatchMeta.js';
import { spoolPaths, type SpoolPaths } from './spoolPaths.js';

const META = '.meta.json';
const DATA = '.ndjson';

/**
 * A durable spool: every record is written to its batch's file before `send()` returns, and
 * batches a dead process left are given back by `recover()` with their original identity,
 * so they are delivered to the keys they would have had. Delivered batches are deleted;
 * dead letters move to `dead-letter/` with a reason file; files that cannot be read move to
 * `quarantine/` and never block a start.
 *
 * One process per folder, across containers and hosts sharing it ({@link DirectoryLock}).
 * Folders are created 0700 and files 0600. Every failure is a SpoolError with a code that
 * names the file; failures in the background (the fsync timer) are logged, never thrown.
 * Records are streamed from the file when a batch is uploaded, so memory does not grow with
 * a batch's size.
 */
@injectable()
export class FileSpool implements Spool {
  /** Records outlive the process, and those taken for streaming stay in the files. */
  readonly durable = true;
  readonly #paths: SpoolPaths;
  readonly #open = new Set<FileSpoolBatch>();
  readonly #lock: DirectoryLock;
  readonly #syncs: PendingSyncs;
  readonly #context: FileSpoolBatchContext;
  readonly #remover: FileRemover;
  #timer: Timer | undefined;
  #syncRound: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;
  #closed = false;

  /** Creates the folders (0700) and takes the folder's lock. Throws SpoolError (SLUICE_SPOOL_LOCKED, SLUICE_SPOOL_UNAVAILABLE, …). */
  constructor(
    @inject(FILE_SPOOL_OPTIONS) private readonly options: FileSpoolOptions,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    this.#paths = spoolPaths(options.directory);
    this.#syncs = new PendingSyncs(options.fsync, logger);
    this.#remover = new FileRemover(logger);
    this.#context = { paths: this.#paths, fsync: options.fsync, syncs: this.#syncs, logger, retire: (batch) => void this.#open.delete(batch), remover: this.#remover };
    this.#createFolders();
    this.#lock = DirectoryLock.acquire(this.#paths.lock, options.directory, clock, logger);
    if (options.fsync === 'interval') this.#scheduleSync();
  }

  /**
   * Starts a batch: its meta file (written whole, by rename), then its empty data file. If the
   * spool folder was deleted under the running process, recreates it (with a warning) and
   * takes its lock again. Throws SpoolError; nothing is left behind then.
   */
  open(meta: SpooledBatchMeta): FileSpoolBatch {
    this.#assertOpen();
    try {
      return this.#openBatch(meta);
    } catch (error) {
      if (!this.#foldersGone()) throw spoolFailure(error, 'start a batch file in', this.#paths.batches, 'The event was not stored.');
    }
    this.logger.warn('the spool folder was removed while this process ran; it is created again', { directory: this.options.directory });
    this.#createFolders();
    this.#lock.restore();
    try {
      return this.#openBatch(meta);
    } catch (error) {
      throw spoolFailure(error, 'start a batch file in', this.#paths.batches, 'The event was not stored.');
    }
  }

  #openBatch(meta: SpooledBatchMeta): FileSpoolBatch {
    const { batches } = this.#paths;
    const metaPath = this.#paths.meta(batches, meta.identifier);
    // The meta file first (records without it could not be routed after a crash), written
    // whole or not at all.
    writeFileAtomically(metaPath, JSON.stringify(meta), this.options.fsync === 'always');
    let fd: number;
    try {
      // 'wx': an identifier is never reused; a file already there is not ours to append to.
      fd = fs.openSync(this.#paths.data(batches, meta.identifier), 'wx+', FILE_MODE);
    } catch (error) {
      fs.rmSync(metaPath, { force: true });
      throw error;
    }
    try {
      if (this.options.fsync === 'interval') this.#syncs.changed(metaPath);
      this.#syncs.changed(batches);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    const batch = new FileSpoolBatch(this.#context, meta, batches, 0, fd);
    this.#open.add(batch);
    return batch;
  }

  /**
   * Batches an earlier process left, oldest first: pending ones and dead letters. A half-written
   * last record is cut off; a batch without records is deleted. What cannot be read (an empty
   * or torn meta file, records whose meta is gone) is moved to `quarantine/` and logged; it
   * never stops the others. Throws SpoolError only if the folders themselves cannot be read.
   */
  recover(): RecoveredBatch[] {
    const found: RecoveredBatch[] = [];
    const { batches, dead } = this.#paths;
    for (const folder of [batches, dead]) {
      const dying = folder === dead;
      for (const name of this.#list(folder)) {
        if (name.endsWith('.tmp')) {
          fs.rmSync(`${folder}/${name}`, { force: true, recursive: true });
          continue;
        }
        if (!name.endsWith(META)) continue;
        const identifier = name.slice(0, -META.length);
        const recovered = this.#recoverOne(folder, identifier, dying);
        if (recovered) found.push(recovered);
      }
    }
    this.#quarantineOrphans();
    // Batches found empty are gone before the start goes on, as they were before it.
    this.#remover.flushSync();
    return found.sort((a, b) => a.meta.openedAt - b.meta.openedAt);
  }

  #recoverOne(folder: string, identifier: string, dying: boolean): RecoveredBatch | undefined {
    const paths = this.#paths;
    const dataPath = paths.data(folder, identifier);
    const files = [paths.meta(folder, identifier), dataPath, ...(dying ? [paths.reason(identifier)] : [])];
    const unusable = (problem: string): undefined => {
      quarantine({ folder: paths.quarantine, identifier, files, problem, at: this.clock.now(), logger: this.logger });
    };
    try {
      // A crash between the two renames of a dead-letter move or revive leaves the data in the
      // other folder: bring it to its meta file.
      const other = folder === paths.batches ? paths.dead : paths.batches;
      if (!fs.existsSync(dataPath) && fs.existsSync(paths.data(other, identifier))) fs.renameSync(paths.data(other, identifier), dataPath);
      const read = readBatchMeta(paths.meta(folder, identifier), identifier);
      if ('problem' in read) {
        unusable(`The meta file ${paths.meta(folder, identifier)} cannot be used: ${read.problem}.`);
        return undefined;
      }
      if (!fs.existsSync(dataPath)) writeFileAtomically(dataPath, '', false);
      const { events, bytes, size } = countRecords(dataPath);
      if (bytes < size) fs.truncateSync(dataPath, bytes);
      const batch = new FileSpoolBatch(this.#context, read.meta, folder, bytes);
      if (events === 0 && !dying) {
        batch.discard();
        return undefined;
      }
      const deadLetter = dying ? this.#reasonOf(identifier) : undefined;
      return { meta: read.meta, batch, events, bytes, ...(deadLetter ? { deadLetter } : {}) };
    } catch (error) {
      unusable(`The batch ${dataPath} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
      return undefined;
    }
  }

  /** Records whose meta file is gone cannot be routed: quarantined, so they are neither lost nor left forever. */
  #quarantineOrphans(): void {
    const { batches, dead } = this.#paths;
    for (const folder of [batches, dead]) {
      for (const name of this.#list(folder)) {
        const identifier = name.endsWith(DATA) ? name.slice(0, -DATA.length) : undefined;
        if (identifier === undefined || fs.existsSync(this.#paths.meta(folder, identifier))) continue;
        quarantine({
          folder: this.#paths.quarantine,
          identifier,
          files: [`${folder}/${name}`, ...(folder === dead ? [this.#paths.reason(identifier)] : [])],
          problem: `The records ${folder}/${name} have no meta file, so the destination and key they belong to are unknown.`,
          at: this.clock.now(),
          logger: this.logger,
        });
      }
    }
  }

  #reasonOf(identifier: string): DeadLetterReason {
    try {
      return JSON.parse(fs.readFileSync(this.#paths.reason(identifier), 'utf8')) as DeadLetterReason;
    } catch {
      return { at: 0, code: 'Unknown', message: 'The reason file is missing or unreadable.', attempts: 0, firstFailureAt: 0 };
    }
  }

  /**
   * Syncs and releases every open batch file (writing again, from open descriptors, any the
   * folder lost), deletes what is left of delivered batches, then releases the lock. What is
   * undelivered stays for the next start. Safe twice;
   * never throws: what fails is logged.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    for (const batch of this.#open) {
      try {
        batch.close();
      } catch (error) {
        this.logger.error('could not keep an open batch on disk at close', { error: (error as Error).message });
      }
    }
    this.#open.clear();
    this.#syncs.flush();
    // No deletion may outlive the lock: a process that takes the folder next sees each batch whole or gone.
    this.#remover.flushSync();
    this.#lock.release();
  }

  /**
   * Resolves once the files of every batch discarded so far are deleted: delivered batches'
   * files go on libuv's threadpool, off the event loop. Never rejects (a failure is logged).
   */
  removed(): Promise<void> {
    return this.#remover.idle();
  }

  #list(folder: string): string[] {
    try {
      return fs.readdirSync(folder);
    } catch (error) {
      throw spoolFailure(error, 'read the spool folder', folder, 'No batch it holds can be recovered.');
    }
  }

  #createFolders(): void {
    const { directory } = this.options;
    let current = directory;
    try {
      // The spool folder keeps the mode of one the user made; everything inside is private.
      if (!fs.existsSync(directory)) ensurePrivateFolder(directory);
      for (current of [this.#paths.batches, this.#paths.dead]) ensurePrivateFolder(current);
    } catch (error) {
      throw spoolFailure(error, 'create the spool folder', current, 'The spool cannot keep events.');
    }
  }

  #foldersGone(): boolean {
    try {
      return !fs.statSync(this.#paths.batches).isDirectory();
    } catch {
      return true;
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new SpoolError('SLUICE_SPOOL_UNAVAILABLE', `The file spool at ${this.options.directory} is closed; create the sluice again to use it.`, this.options.directory);
    }
  }

  #scheduleSync(): void {
    this.#timer = this.clock.setTimer(this.options.fsyncIntervalMs, () => {
      // The data files are forced to the disk on libuv's threadpool: an fdatasync can take
      // milliseconds, which the event loop spends taking events instead. The next round is
      // timed from the end of this one, so a slow disk never has syncs piling up.
      let running = 1;
      const roundDone = (): void => {
        running -= 1;
        if (running > 0) return;
        const round = this.#syncRound;
        this.#syncRound = undefined;
        round?.resolve();
        if (!this.#closed) this.#scheduleSync();
      };
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#syncRound = { promise, resolve };
      for (const batch of this.#open) {
        // A timer callback must never throw: every failure is logged.
        const failed = (error: unknown): void =>
          this.logger.error('could not force a spool file to the disk; a power loss may lose its latest records', {
            file: this.#paths.data(this.#paths.batches, batch.identifier),
            error: error instanceof Error ? error.message : String(error),
          });
        try {
          batch.relinkIfDeleted();
        } catch (error) {
          failed(error);
          continue;
        }
        running += 1;
        batch.syncInBackground((error) => {
          if (error) failed(error);
          roundDone();
        });
      }
      running += 1;
      this.#syncs.flushInBackground(roundDone);
      roundDone();
    });
  }

  /**
   * Resolves when the background sync round under way (fsync: 'interval') has ended, at once
   * if none is: then what was appended before the round began is on the disk.
   */
  synced(): Promise<void> {
    return this.#syncRound?.promise ?? Promise.resolve();
  }
}
