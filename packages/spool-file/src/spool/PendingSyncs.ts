import fs from 'node:fs';
import type { Logger } from '@sluice/core';
import { syncPath } from '../fs/syncPath.js';

/**
 * The files and folders whose last change (a new meta file, a rename between folders) must
 * reach the disk as the `fsync` setting promises: `always` syncs at once, `interval` at the
 * spool's next tick (not in the send path), `never` leaves it to the OS.
 */
export class PendingSyncs {
  readonly #pending = new Set<string>();
  /** Set while flushInBackground() runs, cleared by flush() so a late callback stops there. */
  #flushing: object | undefined;
  /** The path flushInBackground() is syncing. */
  #inFlight: string | undefined;

  constructor(
    private readonly mode: 'never' | 'interval' | 'always',
    private readonly logger: Logger,
  ) {}

  /** Notes a change of `path`; with `always` syncs it now and throws the raw fs error if that fails. */
  changed(path: string): void {
    if (this.mode === 'always') syncPath(path);
    else if (this.mode === 'interval') this.#pending.add(path);
  }

  /**
   * Syncs what changed since the last call, in the order it changed (a file before the folder
   * that was told after it). Never throws: a path that is gone needs no sync, other failures
   * are logged, since this runs on a timer.
   */
  flush(): void {
    this.#flushing = undefined;
    const paths = [...(this.#inFlight === undefined ? [] : [this.#inFlight]), ...this.#pending];
    this.#inFlight = undefined;
    this.#pending.clear();
    for (const path of paths) {
      try {
        syncPath(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        this.logger.error('could not force a spool file to the disk; a power loss may lose it', { path, error: code ?? String(error) });
      }
    }
  }

  /**
   * flush() on libuv's threadpool (open, fsync, close per path, one path after the other, in
   * the order they changed), so the event loop goes on meanwhile; `done` is called once no
   * path is left. Never throws. A flush() meanwhile takes over what is left, the path being
   * synced included.
   */
  flushInBackground(done: () => void): void {
    const run = {};
    this.#flushing = run;
    const next = (): void => {
      const path = this.#flushing === run ? this.#pending.values().next().value : undefined;
      if (path === undefined) {
        if (this.#flushing === run) this.#flushing = undefined;
        this.#inFlight = undefined;
        done();
        return;
      }
      this.#pending.delete(path);
      this.#inFlight = path;
      const failed = (error: NodeJS.ErrnoException): void => {
        if (error.code !== 'ENOENT') this.logger.error('could not force a spool file to the disk; a power loss may lose it', { path, error: error.code ?? String(error) });
      };
      fs.open(path, 'r', (openError, fd) => {
        if (openError) {
          failed(openError);
          next();
          return;
        }
        fs.fsync(fd, (syncError) => {
          if (syncError) failed(syncError);
          fs.close(fd, () => next());
        });
      });
    };
    next();
  }
}
