import fs from 'node:fs';
import { inject, injectable } from 'inversify';
import { CLOCK, type Clock, type DeadLetterReason, type RecoveredBatch, type Spool, type SpooledBatchMeta, type Timer } from '@sluice/core';
import type { FileSpoolOptions } from '../config.js';
import { FILE_SPOOL_OPTIONS } from '../di/tokens.js';
import { acquireLock } from './directoryLock.js';
import { FileSpoolBatch } from './FileSpoolBatch.js';
import { spoolPaths, type SpoolPaths } from './spoolPaths.js';

/**
 * A durable spool: every record is written to its batch's file before `send()` returns, and
 * batches a dead process left are given back by `recover()` with their original identity,
 * so they are delivered to the keys they would have had. Delivered batches are deleted;
 * dead letters move to `dead-letter/` with a reason file.
 *
 * One process per folder (a lock file enforces it). Records are read back whole when a
 * batch is uploaded, so memory per upload is the batch's size; cap batches with the minute
 * batcher's `maxBytes` to bound it.
 */
@injectable()
export class FileSpool implements Spool {
  readonly #paths: SpoolPaths;
  readonly #open = new Set<FileSpoolBatch>();
  readonly #release: () => void;
  #timer: Timer | undefined;
  #closed = false;
  readonly #retire = (batch: FileSpoolBatch): void => void this.#open.delete(batch);

  constructor(
    @inject(FILE_SPOOL_OPTIONS) private readonly options: FileSpoolOptions,
    @inject(CLOCK) private readonly clock: Clock,
  ) {
    this.#paths = spoolPaths(options.directory);
    fs.mkdirSync(this.#paths.batches, { recursive: true });
    fs.mkdirSync(this.#paths.dead, { recursive: true });
    this.#release = acquireLock(this.#paths.lock, options.directory);
    if (options.fsync === 'interval') this.#scheduleSync();
  }

  open(meta: SpooledBatchMeta): FileSpoolBatch {
    // The meta file first (records without it could not be routed after a crash), written
    // whole or not at all: a kill during writeFileSync would leave it empty, a rename cannot.
    const metaPath = this.#paths.meta(this.#paths.batches, meta.identifier);
    fs.writeFileSync(`${metaPath}.tmp`, JSON.stringify(meta));
    fs.renameSync(`${metaPath}.tmp`, metaPath);
    const fd = fs.openSync(this.#paths.data(this.#paths.batches, meta.identifier), 'a');
    if (this.options.fsync === 'always') {
      fs.fdatasyncSync(fd);
      syncFile(metaPath);
      syncFile(this.#paths.batches);
    }
    const batch = new FileSpoolBatch(this.#paths, meta.identifier, this.#paths.batches, this.options.fsync === 'always', fd, this.#retire);
    this.#open.add(batch);
    return batch;
  }

  recover(): RecoveredBatch[] {
    const found: RecoveredBatch[] = [];
    const folders = [[this.#paths.batches, false], [this.#paths.dead, true]] as const;
    for (const [folder, dead] of folders) {
      for (const name of fs.readdirSync(folder)) {
        if (name.endsWith('.meta.json.tmp')) fs.rmSync(`${folder}/${name}`, { force: true });
        if (!name.endsWith('.meta.json')) continue;
        const identifier = name.slice(0, -'.meta.json'.length);
        // A crash between the two renames of a dead-letter move or revive leaves the data in
        // the other folder: bring it to its meta file.
        const otherFolder = folder === this.#paths.batches ? this.#paths.dead : this.#paths.batches;
        if (!fs.existsSync(this.#paths.data(folder, identifier)) && fs.existsSync(this.#paths.data(otherFolder, identifier))) {
          fs.renameSync(this.#paths.data(otherFolder, identifier), this.#paths.data(folder, identifier));
        }
        const meta = JSON.parse(fs.readFileSync(this.#paths.meta(folder, identifier), 'utf8')) as SpooledBatchMeta;
        const { events, bytes } = this.#repair(this.#paths.data(folder, identifier));
        const batch = new FileSpoolBatch(this.#paths, identifier, folder, false);
        if (events === 0 && !dead) {
          batch.discard();
          continue;
        }
        const deadLetter = dead ? this.#reasonOf(identifier) : undefined;
        found.push({ meta, batch, events, bytes, ...(deadLetter ? { deadLetter } : {}) });
      }
    }
    return found.sort((a, b) => a.meta.openedAt - b.meta.openedAt);
  }

  #reasonOf(identifier: string): DeadLetterReason {
    try {
      return JSON.parse(fs.readFileSync(this.#paths.reason(identifier), 'utf8')) as DeadLetterReason;
    } catch {
      return { at: 0, code: 'Unknown', message: 'The reason file is missing or unreadable.', attempts: 0, firstFailureAt: 0 };
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    for (const batch of this.#open) batch.close();
    this.#open.clear();
    this.#release();
  }

  /** Counts the records of a data file, cutting off a record a power loss left half-written. */
  #repair(dataPath: string): { events: number; bytes: number } {
    if (!fs.existsSync(dataPath)) fs.writeFileSync(dataPath, '');
    const data = fs.readFileSync(dataPath);
    const end = data.lastIndexOf(0x0a) + 1;
    if (end < data.length) fs.truncateSync(dataPath, end);
    let events = 0;
    for (let i = data.indexOf(0x0a); i !== -1 && i < end; i = data.indexOf(0x0a, i + 1)) events += 1;
    return { events, bytes: end };
  }

  #scheduleSync(): void {
    this.#timer = this.clock.setTimer(this.options.fsyncIntervalMs, () => {
      for (const batch of this.#open) batch.sync();
      if (!this.#closed) this.#scheduleSync();
    });
  }
}

function syncFile(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
