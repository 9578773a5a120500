// A turn recorder for the producer loops of minutes.mjs (option `"turns": true`): for each
// producer turn of 10 ms or more, its wall time, the main thread's own CPU time in it and its
// time runnable but waiting for a core (Linux's /proc/thread-self/schedstat), the rest (asleep
// in the kernel), and the garbage collections that fell in it. A long turn with little CPU
// waited for the machine; one with much CPU and no collection was the turn's own work.
import { readFileSync } from 'node:fs';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';

const LONG_TURN_MS = 10;

/** [cpu ns, wait ns] of this thread so far; zeros where /proc is not there. */
function schedstat() {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(cpu), Number(wait)];
  } catch {
    return [0, 0];
  }
}

export function turnRecorder() {
  const collections = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collections.push({ start: entry.startTime, ms: entry.duration, major: entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR });
  });
  observer.observe({ entryTypes: ['gc'] });
  const turns = [];
  let count = 0;
  let startedAt = 0;
  let at = [0, 0];
  return {
    start() {
      at = schedstat();
      startedAt = performance.now();
    },
    end() {
      const wallMs = performance.now() - startedAt;
      count += 1;
      if (wallMs < LONG_TURN_MS) return;
      const [cpu, wait] = schedstat();
      turns.push({ startedAt, wallMs, cpuMs: (cpu - at[0]) / 1e6, waitMs: (wait - at[1]) / 1e6 });
    },
    /** The longest turns, each with the collections in it, and a summary of all long turns. */
    report(top = 8) {
      observer.disconnect();
      for (const turn of turns) {
        const inside = collections.filter((c) => c.start >= turn.startedAt && c.start < turn.startedAt + turn.wallMs);
        turn.gcMs = inside.reduce((n, c) => n + c.ms, 0);
        turn.gcs = inside.length;
      }
      // What is neither running nor waiting for a core: asleep in the kernel, in a write(2) the
      // kernel throttles while it writes dirty pages back, say.
      const round = (turn) => ({
        wallMs: +turn.wallMs.toFixed(1), cpuMs: +turn.cpuMs.toFixed(1), waitMs: +turn.waitMs.toFixed(1),
        blockedMs: +Math.max(0, turn.wallMs - turn.cpuMs - turn.waitMs).toFixed(1), gcMs: +turn.gcMs.toFixed(1), gcs: turn.gcs,
      });
      const longest = [...turns].sort((a, b) => b.wallMs - a.wallMs).slice(0, top).map(round);
      const mostCpu = [...turns].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 3).map(round);
      const sum = (key) => +turns.reduce((n, t) => n + t[key], 0).toFixed(1);
      return {
        turns: count, turnsOver10Ms: turns.length, turnsOver20Ms: turns.filter((t) => t.wallMs >= 20).length,
        wallInLongTurnsMs: sum('wallMs'), cpuInLongTurnsMs: sum('cpuMs'), waitInLongTurnsMs: sum('waitMs'), gcInLongTurnsMs: sum('gcMs'), longest, mostCpu,
        // Every collection of the run, long turn or not: how many, their wall time, the longest.
        collections: collections.length, collectionsMs: +collections.reduce((n, c) => n + c.ms, 0).toFixed(1),
        majorCollections: collections.filter((c) => c.major).length, majorCollectionsMs: +collections.filter((c) => c.major).reduce((n, c) => n + c.ms, 0).toFixed(1),
        longestCollectionMs: +Math.max(0, ...collections.map((c) => c.ms)).toFixed(1),
      };
    },
  };
}

/**
 * Every event-loop gap of 10 ms or more, whatever ran in it, found by a setImmediate ticker
 * (which keeps the loop from sleeping in its poll: a diagnostic, not for timed figures), with
 * the same CPU / waiting / asleep split and collections as turnRecorder's.
 */
export function gapRecorder() {
  const recorder = turnRecorder();
  let running = true;
  const tick = () => {
    recorder.end();
    if (!running) return;
    recorder.start();
    setImmediate(tick);
  };
  recorder.start();
  setImmediate(tick);
  return {
    report(top = 8) {
      running = false;
      return recorder.report(top);
    },
  };
}
