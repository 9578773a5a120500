// Where a process's CPU time goes, read from Linux's /proc: its main thread, and its other
// threads together (libuv's threadpool, where zlib compresses and the file system works, and
// V8's helpers for the garbage collector and the compiler; Node 20 names them all "node").
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** utime + stime of one /proc stat file, in seconds; 0 if it is gone (a thread that ended). */
function statSeconds(file) {
  try {
    const text = readFileSync(file, 'utf8');
    // The command name may hold spaces; fields are counted after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Seconds the thread of `file` (a schedstat file) was runnable but waiting for a core; 0 where there is none. */
function waitSeconds(file) {
  try {
    return Number(readFileSync(file, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** CPU seconds of the process `pid` so far (every thread, those that ended included). */
export function processCpuSeconds(pid) {
  return statSeconds(`/proc/${pid}/stat`);
}

/** Starts counting this process's CPU; the returned function gives seconds by thread since. */
export function threadCpu() {
  if (process.platform !== 'linux') return () => ({});
  const mainAt = statSeconds(`/proc/self/task/${process.pid}/stat`);
  const allAt = statSeconds('/proc/self/stat');
  // The main thread's time runnable but not running: on a shared machine, waiting for a core.
  const waitAt = waitSeconds(`/proc/self/task/${process.pid}/schedstat`);
  return () => {
    const main = statSeconds(`/proc/self/task/${process.pid}/stat`) - mainAt;
    const all = statSeconds('/proc/self/stat') - allAt;
    const mainThreadWaitSeconds = waitSeconds(`/proc/self/task/${process.pid}/schedstat`) - waitAt;
    return { mainThreadCpuSeconds: main, otherThreadsCpuSeconds: all - main, mainThreadWaitSeconds, threads: readdirSync('/proc/self/task').length };
  };
}
