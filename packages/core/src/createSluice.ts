import { Container, type ContainerModule, type ServiceIdentifier } from 'inversify';
import { parseSluiceOptions, type SluiceOptionsInput } from './config.js';
import { coreModule } from './di/coreModule.js';
import { BATCHER, CLOCK, DESTINATION, EVENT_TIME, INTAKE, LEDGER, LOGGER, SPOOL } from './di/tokens.js';
import { SluiceError } from './errors/SluiceError.js';
import { closeOnSignals, drainOnBeforeExit, watchUndeliveredAtExit } from './lifecycle/processHooks.js';
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
 * Builds a sluice from DI modules. Throws ValidationError for bad options, and a SluiceError
 * (`SLUICE_WIRING`) that says what to bind when the container cannot provide a part.
 */
export function createSluice(options: CreateSluiceOptions = {}): Sluice {
  const { modules = [], container = new Container(), ...rest } = options;
  const parsed = parseSluiceOptions(rest);
  wiring('loading the modules', () => container.load(...modules, coreModule(parsed)));

  const destinations = wiring('resolving the destinations', () => (container.isBound(DESTINATION) ? container.getAll(DESTINATION) : []));
  if (destinations.length === 0) {
    throw new SluiceError('SLUICE_WIRING', 'No destination is bound: add one, e.g. s3Module() from @sluice/s3, to createSluice({ modules }).');
  }
  const logger = resolve(container, LOGGER);
  const spool = resolve(container, SPOOL);
  const pipeline = new Pipeline(
    {
      clock: resolve(container, CLOCK),
      batcher: container.isBound(BATCHER) ? resolve(container, BATCHER) : undefined,
      eventTime: container.isBound(EVENT_TIME) ? resolve(container, EVENT_TIME) : undefined,
      spool,
      intake: container.isBound(INTAKE) ? resolve(container, INTAKE) : undefined,
      ledger: resolve(container, LEDGER),
      logger,
      options: parsed,
    },
    destinations,
  );
  const detach = [
    watchUndeliveredAtExit(pipeline, logger, spool.durable === true),
    parsed.drainOnExit ? drainOnBeforeExit(pipeline) : () => {},
    parsed.handleSignals ? closeOnSignals(pipeline, logger, parsed.shutdownTimeoutMs) : () => {},
  ];
  return new Sluice(pipeline, () => detach.forEach((d) => d()));
}

function resolve<T>(container: Container, token: ServiceIdentifier<T>): T {
  return wiring(`resolving ${String(token)}`, () => container.get(token));
}

/** Runs a container operation, turning inversify's errors into a Sluice error that says what to do. */
function wiring<T>(doing: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const advice = /ambiguous/i.test(message)
      ? 'A token is bound twice: bind each part once, or bind it for one destination only with scopedToken(TOKEN, destinationName).'
      : /no bindings? found|not bound|unbound/i.test(message)
        ? 'A part has no binding: add the module that provides it (e.g. s3Module(), minuteBatcherModule()) or bind it yourself.'
        : 'Check the bindings of your modules.';
    throw new SluiceError('SLUICE_WIRING', `Sluice could not be assembled while ${doing}: ${message} ${advice}`, { cause: error });
  }
}
