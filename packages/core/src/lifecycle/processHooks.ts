import type { Logger } from '../log/Logger.js';
import type { Pipeline } from '../pipeline/Pipeline.js';

/**
 * Sluices that may still hold undelivered events when the process exits. One 'exit' listener
 * serves them all, so an application (or a test suite) that creates many sluices does not
 * pile up listeners.
 */
const watched = new Map<Pipeline, { logger: Logger; durable: boolean }>();

function onExit(): void {
  for (const [pipeline, { logger, durable }] of watched) {
    const events = pipeline.pendingEvents();
    if (events === 0) continue;
    logger.error(
      durable
        ? 'process exiting with undelivered events: they stay in the durable spool and the next start on it delivers them'
        : 'process exiting with undelivered events: with the memory spool they are lost; await sluice.close() before exit, or use a durable spool',
      { events },
    );
  }
}

/**
 * Says at exit how many events die with the process, whatever path led there (process.exit()
 * in a signal handler, a close() that timed out, an uncaught error). Kept until the sluice
 * closed with everything delivered.
 */
export function watchUndeliveredAtExit(pipeline: Pipeline, logger: Logger, durable: boolean): () => void {
  if (watched.size === 0) process.on('exit', onExit);
  watched.set(pipeline, { logger, durable });
  return () => {
    if (!watched.delete(pipeline)) return;
    if (watched.size === 0) process.off('exit', onExit);
  };
}

/**
 * When the event loop empties with batches still open, seal them: their uploads then keep the
 * process alive until stored, so a script that forgets close() still delivers.
 */
export function drainOnBeforeExit(pipeline: Pipeline): () => void {
  const beforeExit = (): void => {
    if (!pipeline.closed) pipeline.sealAll();
  };
  process.on('beforeExit', beforeExit);
  return () => void process.off('beforeExit', beforeExit);
}

/**
 * SIGTERM/SIGINT: close() within the deadline, then exit (1 if something stayed undelivered).
 * A second signal while closing exits at once; a durable spool keeps what was not delivered.
 */
export function closeOnSignals(pipeline: Pipeline, logger: Logger, timeoutMs: number): () => void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn('second signal while closing: exiting now', { signal });
      process.exit(1);
    }
    closing = true;
    logger.info('signal received: closing the sluice', { signal, timeoutMs });
    pipeline.close({ timeoutMs }).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('closed with undelivered events', { signal, error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
