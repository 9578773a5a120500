import fs from 'node:fs';
import type { SpooledBatchMeta } from '@sluice/core';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a meta file's content cannot be a batch's meta, or undefined when it can. */
function shapeProblem(value: unknown, identifier: string): string | undefined {
  if (!isObject(value)) return 'it is not a JSON object';
  for (const key of ['destination', 'routeId', 'identifier'] as const) {
    if (typeof value[key] !== 'string' || value[key] === '') return `"${key}" is not a non-empty string`;
  }
  if (value.identifier !== identifier) return `"identifier" is ${JSON.stringify(value.identifier)}, not the file's name ${identifier}`;
  if (!isObject(value.identity)) return '"identity" is not an object';
  const window = value.window;
  if (!isObject(window) || typeof window.start !== 'number' || typeof window.end !== 'number') return '"window" is not { start, end } in milliseconds';
  if (typeof value.openedAt !== 'number' || !Number.isFinite(value.openedAt)) return '"openedAt" is not a number';
  return undefined;
}

/**
 * Reads and checks a batch's meta file: the fields recovery routes by must be there. Returns
 * the meta, or a sentence saying why it cannot be used (never throws).
 */
export function readBatchMeta(file: string, identifier: string): { meta: SpooledBatchMeta } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (text.trim() === '') return { problem: 'it is empty (a crash or a full disk while it was written)' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not valid JSON (${(error as Error).message}), torn by a crash or a full disk` };
  }
  const problem = shapeProblem(value, identifier);
  return problem ? { problem: `it is not a batch's meta: ${problem}` } : { meta: value as SpooledBatchMeta };
}
