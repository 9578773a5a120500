import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { ValidationError, type ValidationIssue } from '../errors/ValidationError.js';

/**
 * The one Ajv instance every Sluice package compiles its schemas with: all errors at once,
 * defaults filled in, unknown keywords rejected. Schemas set `additionalProperties: false`.
 */
export const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
// Advice printed with a validation error; a schema annotation, ignored by validation.
ajv.addKeyword({ keyword: 'x-fix', schemaType: 'string' });

/** A compiled schema that returns the valid value or throws a {@link ValidationError}. */
export type Validator<T> = (value: unknown) => T;

/**
 * Compiles `schema` once. Every property may carry `x-fix`, the advice printed when it is
 * invalid; it is ignored by validation.
 */
export function compileValidator<T>(subject: string, schema: SchemaObject): Validator<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value: unknown): T => {
    if (validate(value)) return value as T;
    throw new ValidationError(subject, toIssues(validate.errors ?? [], value, schema));
  };
}

function toIssues(errors: ErrorObject[], root: unknown, schema: SchemaObject): ValidationIssue[] {
  return errors.map((error) => {
    let field = error.instancePath || '/';
    let value = valueAt(root, error.instancePath);
    let rule = error.message ?? error.keyword;
    if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      field = `${error.instancePath}/${missing}`;
      value = undefined;
      rule = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      field = `${error.instancePath}/${extra}`;
      value = valueAt(root, field);
      rule = `is not a known option (known: ${Object.keys(propertiesAt(schema, error.schemaPath)).join(', ')})`;
    }
    return { field, value, rule, fix: fixFor(schema, field) };
  });
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
  for (const part of field.split('/').slice(1)) {
    node = node?.properties?.[part] as SchemaObject | undefined;
  }
  return (node?.['x-fix'] as string | undefined) ?? (node?.description as string | undefined) ?? 'See the configuration reference.';
}
