import type { Route } from '../destination/Destination.js';

/** Distinct routing parameter sets remembered per destination; past this the cache starts afresh. */
const LIMIT = 10_000;

/**
 * The routing fields of send parameters (every field but `payload` and `id`), as name and
 * value pairs in order; undefined when a field is not a string (such parameters are not
 * cached, and are validated on every send).
 */
export type RoutingFields = readonly string[];

/**
 * Routes of send parameters validated before, by their routing fields. The last route found
 * is checked first, field by field: a loop sending to one place then builds no key string,
 * which would cost more than all the rest of the lookup.
 */
export class RouteCache {
  readonly #routes = new Map<string, Route>();
  #lastFields: RoutingFields = [];
  #lastRoute: Route | undefined;

  get(params: object): Route | undefined {
    if (this.#lastRoute !== undefined && sameFields(params, this.#lastFields)) return this.#lastRoute;
    const fields = routingFields(params);
    const route = fields && this.#routes.get(keyOf(fields));
    if (route) this.#remember(fields, route);
    return route;
  }

  /** `fields` as taken before validation, which may fill in defaults. */
  set(fields: RoutingFields, route: Route): void {
    if (this.#routes.size >= LIMIT) this.#routes.clear();
    this.#routes.set(keyOf(fields), route);
    this.#remember(fields, route);
  }

  #remember(fields: RoutingFields, route: Route): void {
    this.#lastFields = fields;
    this.#lastRoute = route;
  }
}

export function routingFields(params: object): RoutingFields | undefined {
  const fields: string[] = [];
  for (const name in params) {
    if (name === 'payload' || name === 'id') continue;
    const value = (params as Record<string, unknown>)[name];
    if (typeof value !== 'string') return undefined;
    fields.push(name, value);
  }
  return fields;
}

function sameFields(params: object, fields: RoutingFields): boolean {
  let i = 0;
  for (const name in params) {
    if (name === 'payload' || name === 'id') continue;
    if (name !== fields[i] || (params as Record<string, unknown>)[name] !== fields[i + 1]) return false;
    i += 2;
  }
  return i === fields.length;
}

/** Unambiguous whatever the values hold, so parameters never borrow another set's validation. */
function keyOf(fields: RoutingFields): string {
  return JSON.stringify(fields);
}
