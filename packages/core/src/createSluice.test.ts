import { ContainerModule, type ServiceIdentifier } from 'inversify';
import { describe, expect, it } from 'vitest';
import { createSluice } from './createSluice.js';
import { BATCHER, CLOCK, DESTINATION, LOGGER } from './di/tokens.js';
import { SluiceError } from './errors/SluiceError.js';
import { ValidationError } from './errors/ValidationError.js';
import { JsonLogger } from './log/JsonLogger.js';
import { ManualClock } from './testing/ManualClock.js';
import { RecordingDestination } from './testing/RecordingDestination.js';

/** A recording destination whose parameters also take a contact e-mail and a documented, deprecated field. */
class AnnotatedDestination extends RecordingDestination {
  override readonly paramsSchema = {
    title: 'Recording parameters',
    $comment: 'annotations are kept for documentation and ignored by validation',
    properties: {
      stream: { type: 'string', minLength: 1, description: 'Name of the stream.', examples: ['orders'] },
      contact: { type: 'string', format: 'email', description: 'Who owns the stream.', examples: ['ops@example.com'] },
      since: { type: 'string', format: 'date-time', deprecated: true, readOnly: false, $comment: 'kept for old callers' },
    },
    required: ['stream'],
  };
}

function sluiceWith(...modules: ContainerModule[]) {
  return createSluice({ drainOnExit: false, logLevel: 'silent', modules });
}

const bindDestination = (destination: RecordingDestination) =>
  new ContainerModule(({ bind }) => {
    bind(CLOCK).toConstantValue(new ManualClock('2024-05-25T16:14:58.000Z'));
    bind(BATCHER).toConstantValue({ windowOf: (now) => ({ start: now - (now % 60_000), end: now - (now % 60_000) + 60_000 }), wouldOverflow: () => false });
    bind(DESTINATION).toConstantValue(destination);
  });

describe('createSluice(): custom destinations', () => {
  it('accepts annotation keywords and ajv-formats formats in paramsSchema, and validates the formats', async () => {
    const destination = new AnnotatedDestination('annotated');
    const sluice = sluiceWith(bindDestination(destination));
    sluice.sendTo('annotated', { stream: 's', contact: 'ops@example.com', since: '2024-05-25T16:14:58Z', payload: 1 });
    let thrown: unknown;
    try {
      sluice.sendTo('annotated', { stream: 's', contact: 'not an address', payload: 2 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({ code: 'SLUICE_INVALID' });
    expect(String(thrown)).toMatch(/\/contact.*must match format "email"/);
    expect(() => sluice.sendTo('annotated', { stream: 's', since: 'yesterday', payload: 3 })).toThrow(/must match format "date-time"/);
    await sluice.close();
    expect(destination.objects.map((o) => o.payloads)).toEqual([[1]]);
  });

  it('reports a paramsSchema Ajv cannot compile as SLUICE_INVALID_SCHEMA, naming the destination and the cause', () => {
    class Misspelt extends RecordingDestination {
      override readonly paramsSchema = { properties: { stream: { type: 'string', format: 'no-such-format' } }, required: ['stream'] };
    }
    let thrown: unknown;
    try {
      sluiceWith(bindDestination(new Misspelt('misspelt')));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SluiceError);
    expect(thrown).toMatchObject({ code: 'SLUICE_INVALID_SCHEMA' });
    expect(String(thrown)).toMatch(/destination "misspelt".*unknown format "no-such-format"/);
  });
});

describe('createSluice(): wiring errors are Sluice errors that say what to do', () => {
  const MISSING = Symbol.for('test:Missing') as ServiceIdentifier<string>;

  function wiringError(...modules: ContainerModule[]): SluiceError {
    try {
      sluiceWith(...modules);
    } catch (error) {
      if (error instanceof SluiceError) return error;
      throw error;
    }
    throw new Error('createSluice() did not throw');
  }

  it('a part without a binding', () => {
    const needy = new ContainerModule(({ bind }) => {
      bind(DESTINATION).toDynamicValue((context) => {
        const name = context.get(MISSING);
        return new RecordingDestination(name);
      });
    });
    const error = wiringError(needy);
    expect(error.code).toBe('SLUICE_WIRING');
    expect(error.message).toMatch(/A part has no binding: add the module that provides it/);
    expect(error.message).toContain('test:Missing');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('a token bound twice', () => {
    const twice = new ContainerModule(({ bind }) => {
      bind(LOGGER).toConstantValue(new JsonLogger('silent'));
      bind(LOGGER).toConstantValue(new JsonLogger('silent'));
    });
    const error = wiringError(twice, bindDestination(new RecordingDestination()));
    expect(error.code).toBe('SLUICE_WIRING');
    expect(error.message).toMatch(/A token is bound twice/);
  });

  it('a module that fails while loading, and no destination at all', () => {
    const broken = new ContainerModule(() => {
      throw new TypeError('cannot read the settings');
    });
    expect(wiringError(broken)).toMatchObject({ code: 'SLUICE_WIRING', message: expect.stringMatching(/while loading the modules: cannot read the settings/) as unknown });
    expect(wiringError()).toMatchObject({ code: 'SLUICE_WIRING', message: expect.stringMatching(/No destination is bound/) as unknown });
  });

  it('a destination that fails while being made', () => {
    const failing = new ContainerModule(({ bind }) => {
      bind(DESTINATION).toDynamicValue(() => {
        throw new Error('no config for the destination');
      });
    });
    const error = wiringError(failing);
    expect(error.code).toBe('SLUICE_WIRING');
    expect(error.message).toMatch(/resolving the destinations: .*no config for the destination/);
  });
});
