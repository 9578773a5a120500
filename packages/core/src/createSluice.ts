import { Container, type ContainerModule } from 'inversify';
import { parseSluiceOptions, type SluiceOptionsInput } from './config.js';
import { coreModule } from './di/coreModule.js';
import { BATCHER, CLOCK, DESTINATION, LEDGER, LOGGER, SPOOL } from './di/tokens.js';
import type { Logger } from './log/Logger.js';
import { Pipeline } from './pipeline/Pipeline.js';
import { Sluice } from './Sluice.js';

export interface CreateSluiceOptions extends SluiceOptionsInput {
  /**
   * Container modules, loaded in order: destination packages (`s3Module()`), a batcher
   * (`minuteBatcherModule()`, which destination packages load by default), and your own
   * bindings. A package binds a default only where the token is still free, so put
   * overrides first.
   */
  readonly modules?: readonly ContainerModule[];
  /** Use this container instead of a new one (it may hold bindings of your application). */
  readonly container?: Container;
}

/**
 * Builds a sluice from DI modules. Throws ValidationError for bad options, and a TypeError
 * naming the missing token when no Batcher or no Destination is bound.
 */
export function createSluice(options: CreateSluiceOptions = {}): Sluice {
  const { modules = [], container = new Container(), ...rest } = options;
  const parsed = parseSluiceOptions(rest);
  container.load(...modules, coreModule(parsed));

  if (!container.isBound(BATCHER)) {
    throw new TypeError(
      'No Batcher is bound: add minuteBatcherModule() from @sluice/batcher-minute (or bind your own to BATCHER) in createSluice({ modules }).',
    );
  }
  const destinations = container.isBound(DESTINATION) ? container.getAll(DESTINATION) : [];
  if (destinations.length === 0) {
    throw new TypeError('No destination is bound: add one, e.g. s3Module() from @sluice/s3, to createSluice({ modules }).');
  }
  const logger = container.get(LOGGER);
  const pipeline = new Pipeline(
    {
      clock: container.get(CLOCK),
      batcher: container.get(BATCHER),
      spool: container.get(SPOOL),
      ledger: container.get(LEDGER),
      logger,
      options: parsed,
    },
    destinations,
  );
  const detach = [
    parsed.drainOnExit ? attachExitHooks(pipeline, logger) : () => {},
    parsed.handleSignals ? attachSignalHandlers(pipeline, logger, parsed.shutdownTimeoutMs) : () => {},
  ];
  return new Sluice(pipeline, () => detach.forEach((d) => d()));
}

/**
 * SIGTERM/SIGINT: close() within the deadline, then exit (1 if something stayed undelivered).
 * A second signal while closing exits at once; a durable spool keeps what was not delivered.
 */
function attachSignalHandlers(pipeline: Pipeline, logger: Logger, timeoutMs: number): () => void {
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

/**
 * When the event loop empties with batches still open, seal them so their uploads keep the
 * process alive until stored; if the process exits anyway (a batch waiting out a retry
 * delay), say how many events die with it.
 */
function attachExitHooks(pipeline: Pipeline, logger: Logger): () => void {
  const beforeExit = (): void => {
    if (!pipeline.closed) pipeline.sealAll();
  };
  const exit = (): void => {
    const events = pipeline.pendingEvents();
    if (events > 0) {
      logger.error('process exiting with undelivered events: with the memory spool they are lost, with a durable spool the next start delivers them; await sluice.close() before exit', { events });
    }
  };
  process.on('beforeExit', beforeExit);
  process.on('exit', exit);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    process.off('beforeExit', beforeExit);
    process.off('exit', exit);
  };
}
