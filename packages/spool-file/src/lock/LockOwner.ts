import fs from 'node:fs';
import os from 'node:os';

/**
 * Who holds a spool folder, written in the lock when it is taken. A PID alone names a process
 * only within one PID namespace on one boot of one host, and every container's first process
 * is PID 1; with the host, the boot, the namespace and the process's start time the record
 * names one process anywhere, so a successor can tell "dead, take over now" from "alive
 * elsewhere, wait for its heartbeat to go stale".
 */
export interface LockOwner {
  readonly hostname: string;
  /** /proc/sys/kernel/random/boot_id: changes at every boot. Absent off Linux. */
  readonly bootId?: string;
  /** The inode of /proc/self/ns/pid, e.g. `pid:[4026531836]`. Absent off Linux. */
  readonly pidNamespace?: string;
  readonly pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat): tells a reused pid apart. */
  readonly startTime?: string;
  /** When the lock was taken (the spool's clock, ms). */
  readonly acquiredAt: number;
  /** Random per acquisition: the holder recognises its own lock by it. */
  readonly token: string;
}

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The start time of a process of this PID namespace, or undefined if it does not run (or off Linux). */
export function processStartTime(pid: number): string | undefined {
  const stat = readOrUndefined(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  // starttime is field 22, the 20th after the name.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/** This process, as a lock owner. */
export function currentOwner(acquiredAt: number, token: string): LockOwner {
  const bootId = readOrUndefined(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNamespace = readOrUndefined(() => fs.readlinkSync('/proc/self/ns/pid'));
  const startTime = processStartTime(process.pid);
  return {
    hostname: os.hostname(),
    ...(bootId ? { bootId } : {}),
    ...(pidNamespace ? { pidNamespace } : {}),
    pid: process.pid,
    ...(startTime ? { startTime } : {}),
    acquiredAt,
    token,
  };
}

/** Whether `owner` could be seen from here with its pid: same host, same boot, same PID namespace. */
export function sharesProcessTable(owner: Partial<LockOwner>, self: LockOwner): boolean {
  return owner.hostname === self.hostname && owner.bootId === self.bootId && owner.pidNamespace === self.pidNamespace;
}

/** Whether the process `owner` names still runs; only meaningful when {@link sharesProcessTable}. */
export function ownerIsAlive(owner: Partial<LockOwner>): boolean {
  if (typeof owner.pid !== 'number') return false;
  const startTime = processStartTime(owner.pid);
  if (startTime !== undefined) return owner.startTime === undefined || owner.startTime === startTime;
  if (fs.existsSync('/proc/self/stat')) return false; // Linux, and /proc has no such pid: dead
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
