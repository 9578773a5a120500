/* global fetch */
// The collector under load, in a process of its own so its RSS is its own: `sluice serve`'s
// Collector with the default durable file spool, writing to the bench's s3rver.
// argv: <endpoint> <spool folder>. Prints {"url"} when listening; on SIGTERM shuts down
// gracefully and prints {"drained","undeliveredEvents","accepted","cpuMs","mainCpuMs","maxRssBytes"}.
import { readFileSync } from 'node:fs';
import { Collector, parseCollectorConfig } from '@sluice/cli';
import { CREDENTIALS } from './bucket.mjs';

const [endpoint, directory] = process.argv.slice(2);
const collector = await Collector.start(
  parseCollectorConfig({
    listen: { host: '127.0.0.1', port: 0 },
    spool: { type: 'file', directory },
    s3: { endpoint, forcePathStyle: true, credentials: { ...CREDENTIALS } },
    // Objects every 8 MiB, so uploads go on during the run as they would across minutes.
    batch: { maxBytes: 8 * 1024 * 1024 },
    sluice: { logLevel: 'warn', healthLogIntervalMs: 0 },
  }),
);
// CPU time from here to SIGTERM is the load's: a figure a machine shared with other work
// disturbs far less than events per second.
const cpuAtStart = process.cpuUsage();
const mainAtStart = mainThreadCpuMs();
process.stdout.write(`${JSON.stringify({ url: collector.url })}\n`);
process.once('SIGTERM', async () => {
  // Counted by the collector: a load tool stops counting answers still in flight at its end.
  const cpu = process.cpuUsage(cpuAtStart);
  const mainCpuMs = mainThreadCpuMs() - mainAtStart;
  const metrics = await (await fetch(`${collector.url}/metrics`)).text();
  const accepted = Number(/^sluice_events_accepted_total (\d+)$/m.exec(metrics)?.[1]);
  const report = await collector.close(120_000);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(`${JSON.stringify({ ...report, accepted, cpuMs, mainCpuMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
});

/**
 * CPU time of the main thread alone (user + system, ms), from /proc on Linux: the event loop's
 * share, without zlib's and libuv's threads. NaN elsewhere.
 */
function mainThreadCpuMs() {
  try {
    // Fields 14 and 15 of stat, after the command name in parentheses: utime and stime in clock ticks (100 per second).
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
