import fs from 'node:fs';
import type { Logger } from '@sluice/core';

/**
 * Deletes the files of delivered batches on libuv's threadpool, one file after another in the
 * order given, so an unlink never holds up the event loop. A batch's files are given data
 * first, meta second, and its meta is kept if its data could not be deleted: a crash or a
 * failure between the two leaves a meta file without records, which the next start deletes
 * (an empty batch); records without their meta are never left. A crash before both leaves the
 * batch whole, and the next start delivers it again under the same identifier, so to the same
 * key: nothing is lost, and the bucket holds it once. A failure is logged, never thrown: the
 * batch was stored all the same.
 */
export class FileRemover {
  /** Each entry: one batch's files, in the order they are deleted. */
  readonly #queue: Array<readonly string[]> = [];
  /** The batch whose files are being deleted on the threadpool. */
  #current: readonly string[] | undefined;
  #running = false;
  #idle: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  constructor(private readonly logger: Logger) {}

  /** Queues one batch's `files` for deletion, in order, after every file queued before. */
  remove(files: readonly string[]): void {
    this.#queue.push(files);
    if (!this.#running) void this.#run();
  }

  /** Resolves once every file queued so far is deleted (or its deletion failed and was logged). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    if (!this.#idle) {
      let resolve = (): void => {};
      const promise = new Promise<void>((done) => (resolve = done));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /**
   * Deletes every queued file now, on this thread, in order, with the batch under way: at
   * close, so no deletion is left for after the lock is released. A deletion already under way
   * on the threadpool then finds the file gone (`force`), and no file of another batch can have
   * that name: identifiers are never reused.
   */
  flushSync(): void {
    const batches = this.#queue.splice(0);
    if (this.#current) batches.unshift(this.#current);
    this.#current = undefined;
    for (const files of batches) {
      for (const file of files) {
        try {
          fs.rmSync(file, { force: true });
        } catch (error) {
          this.#failed(file, error);
          break;
        }
      }
    }
  }

  async #run(): Promise<void> {
    this.#running = true;
    for (let files = this.#queue.shift(); files !== undefined; files = this.#queue.shift()) {
      this.#current = files;
      for (const file of files) {
        try {
          await fs.promises.rm(file, { force: true });
        } catch (error) {
          // Not when flushSync took the batch over meanwhile: it logged its own failures.
          if (this.#current === files) this.#failed(file, error);
          break;
        }
        if (this.#current !== files) break;
      }
      this.#current = undefined;
    }
    this.#running = false;
    const idle = this.#idle;
    this.#idle = undefined;
    idle?.resolve();
  }

  #failed(file: string, error: unknown): void {
    this.logger.warn('batch stored, but its spool file could not be removed; the next start deletes it, or delivers the batch again to the same key', {
      file,
      error: (error as NodeJS.ErrnoException).code ?? String(error),
    });
  }
}
