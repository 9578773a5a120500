import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ValidationError, type ValidationIssue } from '../errors/ValidationError.js';

/**
 * The one Ajv instance every Sluice package compiles its schemas with: all errors at once,
 * defaults filled in, unknown keywords rejected. Schemas set `additionalProperties: false`.
 * Beside JSON Schema's validation keywords it knows the annotations (`title`, `description`,
 * `default`, `examples`, `deprecated`, `readOnly`, `writeOnly`, `$comment`), Sluice's `x-fix`
 * and `x-secret`, and the formats of ajv-formats (`email`, `uri`, `date-time`, `uuid`, …).
 */
export const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
// ajv-formats is CommonJS: its function is the module itself, typed as its default export's default.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
addFormats(ajv);
// Advice printed with a validation error; a schema annotation, ignored by validation.
ajv.addKeyword({ keyword: 'x-fix', schemaType: 'string' });
// Marks a property whose value (and everything under it) is a secret: never printed.
ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });

/** A compiled schema that returns the valid value or throws a {@link ValidationError}. */
export type Validator<T> = (value: unknown) => T;

/**
 * Compiles `schema` once. Every property may carry `x-fix`, the advice printed when it is
 * invalid, and `x-secret: true` for a value that must never be printed (credentials): the
 * error then shows only its type. Neither changes validation. The value of an unknown
 * property is never printed (it is often a misspelt secret), nor an object holding a secret,
 * nor the user name and password of a URL.
 */
export function compileValidator<T>(subject: string, schema: SchemaObject): Validator<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value: unknown): T => {
    if (validate(value)) return value as T;
    throw new ValidationError(subject, toIssues(validate.errors ?? [], value, schema));
  };
}

function toIssues(errors: ErrorObject[], root: unknown, schema: SchemaObject): ValidationIssue[] {
  return errors.map((error): ValidationIssue => {
    const field = error.instancePath || '/';
    if (error.keyword === 'required') {
      const missing = `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}`;
      return { field: missing, shown: 'missing', rule: 'is required', fix: fixFor(schema, missing) };
    }
    if (error.keyword === 'additionalProperties') {
      const extra = `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`;
      const known = Object.keys(propertiesAt(schema, error.schemaPath)).join(', ');
      return { field: extra, shown: 'hidden', rule: `is not a known option (known: ${known})`, fix: fixFor(schema, extra) };
    }
    // ajv words a failed `not` as "must NOT be valid", which names no rule a user could follow.
    const rule = error.keyword === 'not' ? 'has a form that is not allowed' : (error.message ?? error.keyword);
    const path = schemaPath(schema, field);
    const value = valueAt(root, error.instancePath);
    if (path.some((node) => node?.['x-secret'] === true)) {
      return { field, shown: 'masked', value: `[secret ${typeName(value)}]`, rule, fix: fixFor(schema, field) };
    }
    if (value !== null && typeof value === 'object' && holdsSecret(path.at(-1))) {
      return { field, shown: 'masked', value: `[${typeName(value)} holding secrets]`, rule, fix: fixFor(schema, field) };
    }
    if (value === undefined) return { field, shown: 'missing', rule, fix: fixFor(schema, field) };
    return { field, shown: 'value', value: typeof value === 'string' ? withoutUrlCredentials(value) : value, rule, fix: fixFor(schema, field) };
  });
}

/** The schema nodes from the root to `field` (undefined where the schema says nothing). */
function schemaPath(schema: SchemaObject, field: string): Array<SchemaObject | undefined> {
  const nodes: Array<SchemaObject | undefined> = [schema];
  let node: SchemaObject | undefined = schema;
  for (const part of field.split('/').slice(1).filter(Boolean)) {
    const properties = node?.properties as Record<string, SchemaObject | undefined> | undefined;
    node = properties?.[part] ?? (node?.items as SchemaObject | undefined);
    nodes.push(node);
  }
  return nodes;
}

function holdsSecret(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  if ((node as SchemaObject)['x-secret'] === true) return true;
  return Object.values(node).some(holdsSecret);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * `scheme://user:password@host` → `scheme://***@host`, wherever it appears in `text`. Up to
 * the first '@' after the scheme, since a secret may hold '/' (which ends a URL's authority).
 */
function withoutUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@\s]*@/gi, '$1***@');
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function propertiesAt(schema: SchemaObject, schemaPath: string): Record<string, unknown> {
  let node: unknown = schema;
  for (const part of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  return ((node as SchemaObject | undefined)?.properties ?? {}) as Record<string, unknown>;
}

function fixFor(schema: SchemaObject, field: string): string {
  let node: SchemaObject | undefined = schema;
  for (const part of field.split('/').slice(1).filter(Boolean)) {
    node = (node?.properties as Record<string, SchemaObject | undefined> | undefined)?.[part];
  }
  return (node?.['x-fix'] as string | undefined) ?? (node?.description as string | undefined) ?? 'See the configuration reference.';
}
