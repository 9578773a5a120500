import { compileValidator, ValidationError } from '@sluice/core';
import { eventEnvelopeSchema, type EventEnvelope } from './eventEnvelopeSchema.js';

/** Why one line (or array element) of a request was refused. */
export interface LineError {
  /** 1-based line of an NDJSON body, or 1-based position in a JSON array (1 for a single object). */
  readonly line: number;
  readonly error: 'invalid_json' | 'line_too_long' | 'invalid_event';
  readonly message: string;
  /** For invalid_event: each broken rule, with the field and the fix. */
  readonly issues?: ReadonlyArray<{ field: string; rule: string; fix: string }>;
}

/** The events of a request body, or why they are refused. */
export type ParsedEvents =
  | { readonly ok: true; readonly events: EventEnvelope[]; /** The 1-based line (or array position) of each event. */ readonly lines: number[] }
  | { readonly ok: false; readonly tooMany: true; readonly count: number }
  | { readonly ok: false; readonly tooMany?: false; readonly errors: LineError[]; readonly count: number };

export interface ParseLimits {
  readonly lineBytes: number;
  readonly eventsPerRequest: number;
}

const validateEnvelope = compileValidator<EventEnvelope>('event', eventEnvelopeSchema);
/** More errors than this are counted, not listed: an answer must stay small whatever was sent. */
const MAX_LISTED_ERRORS = 100;

/**
 * Reads a POST /v1/events body: NDJSON (one event per line; blank lines skipped) when
 * `ndjson`, else one JSON event or a JSON array of events. Every event is validated before
 * any is accepted, so a request is accepted whole or not at all.
 */
export function parseEvents(body: string, ndjson: boolean, limits: ParseLimits): ParsedEvents {
  const items: Array<{ line: number; value: unknown } | LineError> = [];
  if (ndjson) {
    let start = 0;
    let line = 0;
    while (start < body.length) {
      let end = body.indexOf('\n', start);
      if (end === -1) end = body.length;
      line += 1;
      let text = body.slice(start, end);
      start = end + 1;
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.trim() === '') continue;
      if (items.length >= limits.eventsPerRequest) return { ok: false, tooMany: true, count: items.length + 1 };
      // Characters bound the UTF-8 size from below and a third of it from above: measure only when it matters.
      if (text.length * 3 > limits.lineBytes && Buffer.byteLength(text) > limits.lineBytes) {
        items.push({ line, error: 'line_too_long', message: `The line is ${Buffer.byteLength(text)} bytes, over the limit of ${limits.lineBytes} bytes (limits.lineBytes): split the event or raise the limit.` });
        continue;
      }
      items.push(parseJson(text, line));
    }
  } else {
    const parsed = parseJson(body, 1);
    if ('error' in parsed) return { ok: false, errors: [parsed], count: 1 };
    if (Array.isArray(parsed.value)) {
      if (parsed.value.length > limits.eventsPerRequest) return { ok: false, tooMany: true, count: parsed.value.length };
      parsed.value.forEach((value, index) => items.push({ line: index + 1, value }));
    } else {
      items.push(parsed);
    }
  }
  const events: EventEnvelope[] = [];
  const lines: number[] = [];
  const errors: LineError[] = [];
  for (const item of items) {
    if ('error' in item) {
      errors.push(item);
      continue;
    }
    try {
      events.push(validateEnvelope(item.value));
      lines.push(item.line);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push({
        line: item.line,
        error: 'invalid_event',
        message: error.issues.map((issue) => `${issue.field} ${issue.rule}`).join('; '),
        issues: error.issues.map(({ field, rule, fix }) => ({ field, rule, fix })),
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_LISTED_ERRORS), count: errors.length };
  return { ok: true, events, lines };
}

function parseJson(text: string, line: number): { line: number; value: unknown } | LineError {
  try {
    return { line, value: JSON.parse(text) };
  } catch (error) {
    return { line, error: 'invalid_json', message: `Not valid JSON: ${(error as Error).message}.` };
  }
}
