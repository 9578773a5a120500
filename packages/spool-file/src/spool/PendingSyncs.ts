import type { Logger } from '@sluice/core';
import { syncPath } from '../fs/syncPath.js';

/**
 * The files and folders whose last change (a new meta file, a rename between folders) must
 * reach the disk as the `fsync` setting promises: `always` syncs at once, `interval` at the
 * spool's next tick (not in the send path), `never` leaves it to the OS.
 */
export class PendingSyncs {
  readonly #pending = new Set<string>();

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
    const paths = [...this.#pending];
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
}
