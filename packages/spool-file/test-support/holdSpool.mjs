// Opens a file spool on a folder and holds it until its standard input closes; the lock test
// starts two of these, each PID 1 in a PID namespace of its own.
//   node holdSpool.mjs <spool folder>
// Prints one JSON line: {"pid":…,"held":true} or {"pid":…,"code":…,"message":…}.
import { FileSpool, parseFileSpoolOptions } from '@sluice/spool-file';
import { JsonLogger, SystemClock } from '@sluice/core';

const [directory] = process.argv.slice(2);
try {
  const spool = new FileSpool(parseFileSpoolOptions({ directory }), new SystemClock(), new JsonLogger('silent'));
  process.stdout.write(`${JSON.stringify({ pid: process.pid, held: true })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => spool.close());
} catch (error) {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, code: error.code, message: error.message })}\n`);
}
