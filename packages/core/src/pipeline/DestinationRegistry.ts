import type { Batcher } from '../batch/Batcher.js';
import type { EventTime } from '../batch/EventTime.js';
import type { Destination, Route } from '../destination/Destination.js';
import { SluiceError } from '../errors/SluiceError.js';
import type { CommonSendParams } from '../send/SendApi.js';
import { compileValidator, type Validator } from '../validation/ajv.js';
import { RouteCache, routingFields } from './RouteCache.js';

/** A destination as the sluice runs it: its validator, its batching rule, its route cache. */
export interface RegisteredDestination {
  readonly destination: Destination;
  readonly batcher: Batcher;
  /** Undefined: events are batched by the time send() accepted them. */
  readonly eventTime: EventTime | undefined;
  readonly validate: Validator<object & CommonSendParams>;
  /** Routes of parameter sets validated before, by their routing fields. */
  readonly routes: RouteCache;
}

/** The destinations of a sluice by name, each with its parameters' schema compiled once. */
export class DestinationRegistry {
  readonly #byName = new Map<string, RegisteredDestination>();

  /** @param defaults the sluice's BATCHER and EVENT_TIME bindings, for destinations without their own. */
  constructor(destinations: readonly Destination[], defaults: { readonly batcher?: Batcher | undefined; readonly eventTime?: EventTime | undefined }) {
    for (const destination of destinations) {
      if (this.#byName.has(destination.name)) {
        throw new SluiceError(
          'SLUICE_WIRING',
          `Two destinations are named "${destination.name}": each DESTINATION binding needs its own name.`,
        );
      }
      const batcher = destination.batcher ?? defaults.batcher;
      if (!batcher) {
        throw new SluiceError(
          'SLUICE_WIRING',
          `The destination "${destination.name}" has no Batcher: add minuteBatcherModule() from @sluice/batcher-minute (or bind your own to BATCHER) in createSluice({ modules }), or give the destination a batcher of its own.`,
        );
      }
      this.#byName.set(destination.name, {
        destination,
        batcher,
        eventTime: destination.eventTime ?? defaults.eventTime,
        validate: compileParams(destination),
        routes: new RouteCache(),
      });
    }
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  destinations(): Destination[] {
    return [...this.#byName.values()].map(({ destination }) => destination);
  }

  find(name: string): RegisteredDestination | undefined {
    return this.#byName.get(name);
  }

  get(name: string): RegisteredDestination {
    const entry = this.#byName.get(name);
    if (!entry) {
      throw new SluiceError(
        'SLUICE_UNKNOWN_DESTINATION',
        `No destination named "${name}" is installed (installed: ${this.names().join(', ') || 'none'}). Add its module to createSluice({ modules }).`,
      );
    }
    return entry;
  }

  /**
   * Validates `params` and maps them to their route. Parameters whose routing fields were
   * validated before skip the schema: only `payload` and `id` are checked, which keeps
   * validation off the cost of a send in the common case of few distinct destinations.
   */
  route(entry: RegisteredDestination, params: unknown, payload: unknown, id: unknown): Route {
    if (typeof params !== 'object' || params === null) return entry.destination.route(entry.validate(params));
    const cached = entry.routes.get(params);
    if (cached && payload !== undefined && (id === undefined || (typeof id === 'string' && id.length > 0 && id.length <= 256))) {
      return cached;
    }
    // Taken before validation, which may fill in defaults.
    const fields = routingFields(params);
    const route = entry.destination.route(entry.validate(params));
    if (fields) entry.routes.set(fields, route);
    return route;
  }
}

/**
 * The destination's own parameters plus `payload` (required) and `id` (optional). A schema
 * Ajv cannot compile (an unknown keyword or format, a typo) is a SluiceError saying so.
 */
function compileParams(destination: Destination): Validator<object & CommonSendParams> {
  try {
    return compileParamsSchema(destination);
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError(
      'SLUICE_INVALID_SCHEMA',
      `The paramsSchema of destination "${destination.name}" cannot be compiled: ${error instanceof Error ? error.message : String(error)}. ` +
        'Use JSON Schema draft-07 keywords, the annotations (title, description, default, examples, deprecated, readOnly, writeOnly, $comment), x-fix, x-secret, and the formats of ajv-formats (email, uri, date-time, uuid, …).',
      { cause: error },
    );
  }
}

function compileParamsSchema(destination: Destination): Validator<object & CommonSendParams> {
  const schema = destination.paramsSchema;
  return compileValidator<object & CommonSendParams>(`send.${destination.name}() parameters`, {
    'x-fix': `Pass one object: send.${destination.name}({ ${[...Object.keys((schema.properties as object | undefined) ?? {}), 'payload'].join(', ')} }).`,
    ...schema,
    type: 'object',
    additionalProperties: false,
    properties: {
      ...(schema.properties as object),
      payload: {
        description: 'The event: any JSON-serializable value.',
        'x-fix': 'Pass the event as `payload`; to send "nothing", send null.',
      },
      id: {
        type: 'string',
        minLength: 1,
        maxLength: 256,
        description: 'Optional event id, shared by the sends of one event to several destinations.',
      },
    },
    required: [...((schema.required as string[] | undefined) ?? []), 'payload'],
  });
}
