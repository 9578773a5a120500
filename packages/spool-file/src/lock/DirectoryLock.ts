import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { SpoolError, type Clock, type Logger, type Timer } from '@sluice/core';
import { ensurePrivateFolder, FILE_MODE } from '../fs/ensurePrivateFolder.js';
import { spoolFailure } from '../fs/spoolFailure.js';
import { currentOwner, ownerIsAlive, sharesProcessTable, type LockOwner } from './LockOwner.js';

/** A holder whose heartbeat is older than this is taken for dead, wherever it ran. */
export const LOCK_STALE_MS = 30_000;
/** How often the holder touches its owner record. A third of the stale time: two beats may be late. */
export const LOCK_HEARTBEAT_MS = 10_000;

const OWNER_FILE = 'owner.json';

type Holder = { kind: 'owner'; owner: Partial<LockOwner>; beatAt: number } | { kind: 'legacy'; pid: number } | { kind: 'unknown'; beatAt: number };

/**
 * One process per spool folder, across processes, containers and hosts that share it.
 *
 * The lock is a folder, `<spool>/lock/`, holding the owner's record (`owner.json`): it is
 * built under a temporary name and renamed into place, so the lock and its record appear
 * together, atomically, even on NFS. The holder touches the record every
 * {@link LOCK_HEARTBEAT_MS}. A process that finds the lock taken:
 * - on the same host, boot and PID namespace, checks the pid and its start time: a holder
 *   that died (kill -9, OOM) is taken over at once, a live one refuses;
 * - elsewhere (another container, another host), cannot see the holder, so waits until its
 *   heartbeat is {@link LOCK_STALE_MS} old (hosts' clocks must agree within that).
 * A refusal is a {@link SpoolError} `SLUICE_SPOOL_LOCKED` naming the holder.
 *
 * Why not proper-lockfile: its lock folder must stay empty (it is removed with rmdir), so
 * the owner record could not appear atomically with it, and it knows only the mtime rule, so
 * a restart after kill -9 would wait out the stale time; its timers run on wall time, where
 * this one runs on the injected clock.
 */
export class DirectoryLock {
  readonly #self: LockOwner;
  #timer: Timer | undefined;
  #held = false;
  #compromised = false;

  private constructor(
    private readonly lockPath: string,
    private readonly directory: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#self = currentOwner(clock.now(), randomUUID());
  }

  /** Takes the lock of `directory` (its folder is `lockPath`) or throws SpoolError SLUICE_SPOOL_LOCKED. */
  static acquire(lockPath: string, directory: string, clock: Clock, logger: Logger): DirectoryLock {
    const lock = new DirectoryLock(lockPath, directory, clock, logger);
    lock.#take();
    lock.#beat();
    return lock;
  }

  /** Whether this process holds the lock as far as it knows (its record is in place). */
  get held(): boolean {
    return this.#held && this.#ownRecord();
  }

  /**
   * Takes the lock again after its folder vanished (the spool folder was deleted): throws
   * SLUICE_SPOOL_LOCKED if another process took it meanwhile.
   */
  restore(): void {
    if (this.#ownRecord()) return;
    this.#take();
    this.#compromised = false;
  }

  /** Gives the lock up, if it is still this process's. Safe to call twice; never throws. */
  release(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (!this.#held) return;
    this.#held = false;
    if (!this.#ownRecord()) return;
    try {
      fs.rmSync(this.lockPath, { recursive: true, force: true });
    } catch (error) {
      this.logger.warn('could not remove the spool lock; the next start takes it over', { lock: this.lockPath, error: String(error) });
    }
  }

  #take(): void {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (this.#tryRenameIntoPlace()) {
        this.#held = true;
        return;
      }
      const holder = this.#readHolder();
      if (holder === undefined) continue; // released meanwhile
      const refusal = this.#refusal(holder);
      if (refusal) throw new SpoolError('SLUICE_SPOOL_LOCKED', refusal, this.lockPath);
      this.#removeStale(holder);
    }
    throw new SpoolError(
      'SLUICE_SPOOL_LOCKED',
      `The spool folder ${this.directory} is being taken by other processes at the same time. Give each process its own folder (fileSpoolModule({ directory })).`,
      this.lockPath,
    );
  }

  /** Builds the lock folder with this owner's record under a unique name and renames it into place. */
  #tryRenameIntoPlace(): boolean {
    const building = `${this.lockPath}.${randomUUID()}.tmp`;
    try {
      ensurePrivateFolder(building);
      const record = `${building}/${OWNER_FILE}`;
      fs.writeFileSync(record, JSON.stringify(this.#self), { mode: FILE_MODE, flag: 'wx' });
      this.#touch(record);
      try {
        // rename(2) onto an existing non-empty folder fails; onto an empty one (a release cut
        // short between its two steps) it replaces it, which is right.
        fs.renameSync(building, this.lockPath);
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') return false;
        throw error;
      }
    } catch (error) {
      throw spoolFailure(error, 'take the lock of the spool folder at', this.lockPath, 'The spool cannot start.');
    } finally {
      fs.rmSync(building, { recursive: true, force: true });
    }
  }

  #readHolder(): Holder | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.lockPath);
    } catch {
      return undefined;
    }
    if (stat.isFile()) {
      // A lock file of spool-file 0.1 held just a pid.
      return { kind: 'legacy', pid: Number.parseInt(fs.readFileSync(this.lockPath, 'utf8'), 10) };
    }
    const record = `${this.lockPath}/${OWNER_FILE}`;
    try {
      const beatAt = fs.statSync(record).mtimeMs;
      return { kind: 'owner', owner: JSON.parse(fs.readFileSync(record, 'utf8')) as Partial<LockOwner>, beatAt };
    } catch {
      return { kind: 'unknown', beatAt: stat.mtimeMs };
    }
  }

  /** Why `holder` keeps the lock, or undefined when it is gone and the lock may be taken over. */
  #refusal(holder: Holder): string | undefined {
    const advice = `Give each process its own folder (fileSpoolModule({ directory })), or stop that process first.`;
    if (holder.kind === 'legacy') {
      if (!Number.isInteger(holder.pid) || !ownerIsAlive({ pid: holder.pid })) return undefined;
      return `The spool folder ${this.directory} is in use by process ${holder.pid} on this host (lock file ${this.lockPath}). ${advice}`;
    }
    const age = this.clock.now() - holder.beatAt;
    const staleNote = `If it no longer runs, its lock is taken over once its heartbeat is ${LOCK_STALE_MS / 1_000} s old (last ${Math.round(age / 1_000)} s ago); remove ${this.lockPath} by hand only if you are sure no process uses the folder.`;
    if (holder.kind === 'unknown') {
      if (age > LOCK_STALE_MS) return undefined;
      return `The spool folder ${this.directory} is locked by a process whose record cannot be read (${this.lockPath}). ${advice} ${staleNote}`;
    }
    const owner = holder.owner;
    if (owner.token === this.#self.token) return undefined;
    if (sharesProcessTable(owner, this.#self)) {
      if (!ownerIsAlive(owner)) return undefined;
      const who = owner.pid === process.pid ? 'this very process (another FileSpool on the same folder)' : `process ${owner.pid}`;
      return `The spool folder ${this.directory} is in use by ${who} on this host. ${advice}`;
    }
    // Same host name, another boot: the holder died with the machine.
    if (owner.hostname === this.#self.hostname && owner.bootId && this.#self.bootId && owner.bootId !== this.#self.bootId) return undefined;
    if (age > LOCK_STALE_MS) return undefined;
    const where = owner.hostname === this.#self.hostname ? `in another PID namespace (container) on this host (${String(owner.pidNamespace)})` : `on host ${String(owner.hostname)}`;
    return `The spool folder ${this.directory} is in use by process ${String(owner.pid)} ${where}. ${advice} ${staleNote}`;
  }

  #removeStale(holder: Holder): void {
    const grave = `${this.lockPath}.${randomUUID()}.stale`;
    try {
      // A rename first: of two processes taking over at once, one wins and the other finds the
      // winner's fresh lock instead of deleting it.
      fs.renameSync(this.lockPath, grave);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw spoolFailure(error, 'take over the stale lock', this.lockPath, 'The spool cannot start.');
    }
    fs.rmSync(grave, { recursive: true, force: true });
    const owner = holder.kind === 'owner' ? holder.owner : holder.kind === 'legacy' ? { pid: holder.pid } : {};
    this.logger.warn('took over the spool folder from a process that no longer holds it', {
      directory: this.directory,
      formerPid: owner.pid,
      formerHost: 'hostname' in owner ? owner.hostname : undefined,
    });
  }

  #ownRecord(): boolean {
    try {
      const owner = JSON.parse(fs.readFileSync(`${this.lockPath}/${OWNER_FILE}`, 'utf8')) as Partial<LockOwner>;
      return owner.token === this.#self.token;
    } catch {
      return false;
    }
  }

  #touch(record: string): void {
    const now = this.clock.now() / 1_000;
    fs.utimesSync(record, now, now);
  }

  /** The heartbeat: runs on the clock's timers (unref'd by the system clock) and never throws. */
  #beat(): void {
    this.#timer = this.clock.setTimer(LOCK_HEARTBEAT_MS, () => {
      if (!this.#held) return;
      try {
        if (!this.#ownRecord()) throw new Error('the lock is gone or holds another owner');
        this.#touch(`${this.lockPath}/${OWNER_FILE}`);
        this.#compromised = false;
      } catch (error) {
        if (!this.#compromised) {
          this.logger.error('lost the lock of the spool folder: another process may write to it too. Stop this process or the other one.', {
            lock: this.lockPath,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        this.#compromised = true;
      }
      this.#beat();
    });
  }
}
