import { isAscii } from 'node:buffer';
import { compileValidator, ValidationError } from '@sluice/core';
import { eventEnvelopeSchema, type EventEnvelope } from './eventEnvelopeSchema.js';
import { readEnvelope, skipWhitespace, type SeenStrings } from './readEnvelope.js';
import { readEnvelopeBytes, skipWhitespaceBytes, type PayloadSpan } from './readEnvelopeBytes.js';

const LF = 10;
const CR = 13;
const COMMA = 44;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;

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
  | {
      readonly ok: true;
      readonly events: EventEnvelope[];
      /** The 1-based line (or array position) of each event. */
      readonly lines: number[];
      /**
       * A body read as bytes: where each event's payload lies in it, as start and end
       * (-1 and -1 for an event whose line was parsed as text).
       */
      readonly spans?: number[];
    }
  | { readonly ok: false; readonly tooMany: true; readonly count: number }
  | { readonly ok: false; readonly tooMany?: false; readonly errors: LineError[]; readonly count: number };

export interface ParseLimits {
  readonly lineBytes: number;
  readonly eventsPerRequest: number;
}

const validateEnvelope = compileValidator<EventEnvelope>('event', eventEnvelopeSchema);
/** The fields the schema fills in when absent, in the order the validator adds them. */
const DEFAULTS = Object.entries(eventEnvelopeSchema.properties).flatMap(([name, property]) => ('default' in property ? [[name, property.default] as const] : []));
const DESTINATION_DEFAULT = eventEnvelopeSchema.properties.destination.default;
/** The defaults besides destination's (none today): withDefaults stores destination's by name. */
const OTHER_DEFAULTS = DEFAULTS.filter(([name]) => name !== 'destination');
/** The routing fields of an envelope the schema accepted (copies: no request body is held). */
type Routing = Readonly<Record<'bucket' | 'prefix' | 'destination', unknown>>;
/**
 * The last routing fields the schema accepted, across requests: the schema never changes, so
 * an envelope with the same ones needs no validator (see sameAsValid), also when each
 * request holds one event.
 */
let valid: Routing | undefined;
/** More errors than this are counted, not listed: an answer must stay small whatever was sent. */
const MAX_LISTED_ERRORS = 100;

/**
 * A request body as {@link parseEvents} takes it: the bytes themselves for an NDJSON body all
 * of ASCII (most JSON; read without decoding, and a character per byte, so its length is
 * the same either way), else the text decoded from UTF-8 as before.
 */
export function bodyText(bytes: Buffer, ndjson: boolean): string | Buffer {
  return ndjson && isAscii(bytes) ? bytes : bytes.toString('utf8');
}

/**
 * Reads a POST /v1/events body: NDJSON (one event per line; blank lines skipped) when
 * `ndjson`, else one JSON event or a JSON array of events. Every event is validated before
 * any is accepted, so a request is accepted whole or not at all. Payloads of envelopes in the
 * usual shape are kept as the JSON text received (a RawJson, see readEnvelope), checked
 * valid but not parsed; any other envelope is parsed with `JSON.parse`, as are payloads then.
 * `body` is the text, or the bytes of an NDJSON body all of ASCII (see {@link bodyText}):
 * those are read in place, with the same answers as their text; a line the byte reader does
 * not take is decoded and parsed as text.
 */
export function parseEvents(body: string | Buffer, ndjson: boolean, limits: ParseLimits): ParsedEvents {
  // Each item is validated as soon as it is read, in order: no list of read items in between.
  const out: Collected = { events: [], lines: [], errors: [], valid: undefined, spans: undefined };
  const seen: SeenStrings = {};
  // Bytes of anything but an NDJSON body all of ASCII are decoded first, as bodyText does.
  if (typeof body !== 'string' && !(ndjson && isAscii(body))) body = body.toString('utf8');
  if (typeof body !== 'string') {
    const tooMany = readNdjsonBytes(body, limits, out, seen);
    if (tooMany) return tooMany;
  } else if (ndjson) {
    let start = 0;
    let line = 0;
    let count = 0;
    while (start < body.length) {
      let end = body.indexOf('\n', start);
      if (end === -1) end = body.length;
      line += 1;
      const lineStart = start;
      start = end + 1;
      if (end > lineStart && body.charCodeAt(end - 1) === CR) end -= 1;
      const first = skipWhitespace(body, lineStart, end);
      if (first === end) continue;
      // A line that does not open an object is parsed as before (and skipped if blank to trim()).
      let text: string | undefined;
      const object = body.charCodeAt(first) === OPEN_BRACE;
      if (!object) {
        text = body.slice(lineStart, end);
        if (text.trim() === '') continue;
      }
      if (count >= limits.eventsPerRequest) return { ok: false, tooMany: true, count: count + 1 };
      count += 1;
      // Characters bound the UTF-8 size from below and a third of it from above: measure only when it matters.
      if ((end - lineStart) * 3 > limits.lineBytes) {
        text ??= body.slice(lineStart, end);
        if (Buffer.byteLength(text) > limits.lineBytes) {
          out.errors.push(lineTooLong(line, Buffer.byteLength(text), limits));
          continue;
        }
      }
      const read = object ? readEnvelope(body, first, end, seen) : undefined;
      if (read && skipWhitespace(body, read.end, end) === end) take(out, line, read.envelope, true);
      else takeParsed(out, parseJson(text ?? body.slice(lineStart, end), line));
    }
  } else {
    const read = readJsonBody(body, limits.eventsPerRequest, seen);
    if (read) {
      for (const item of read) take(out, item.line, item.value, true);
    } else {
      const parsed = parseJson(body, 1);
      if ('error' in parsed) return { ok: false, errors: [parsed], count: 1 };
      if (Array.isArray(parsed.value)) {
        if (parsed.value.length > limits.eventsPerRequest) return { ok: false, tooMany: true, count: parsed.value.length };
        parsed.value.forEach((value, index) => take(out, index + 1, value, false));
      } else {
        take(out, 1, parsed.value, false);
      }
    }
  }
  const { events, lines, errors, spans } = out;
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_LISTED_ERRORS), count: errors.length };
  return spans ? { ok: true, events, lines, spans } : { ok: true, events, lines };
}

/**
 * The NDJSON loop of {@link parseEvents} over the bytes of a body all of ASCII, where a byte
 * is a character: the same lines, skips, limits and answers. Returns the too-many answer, if
 * it comes to that.
 */
function readNdjsonBytes(body: Buffer, limits: ParseLimits, out: Collected, seen: SeenStrings): ParsedEvents | undefined {
  let start = 0;
  let line = 0;
  let count = 0;
  const spans: number[] = (out.spans = []);
  const span: PayloadSpan = { start: -1, end: -1 };
  while (start < body.length) {
    let end = body.indexOf(LF, start);
    if (end === -1) end = body.length;
    line += 1;
    const lineStart = start;
    start = end + 1;
    if (end > lineStart && body[end - 1] === CR) end -= 1;
    const first = skipWhitespaceBytes(body, lineStart, end);
    if (first === end) continue;
    let text: string | undefined;
    const object = body[first] === OPEN_BRACE;
    if (!object) {
      text = body.toString('latin1', lineStart, end);
      if (text.trim() === '') continue;
    }
    if (count >= limits.eventsPerRequest) return { ok: false, tooMany: true, count: count + 1 };
    count += 1;
    if (end - lineStart > limits.lineBytes) {
      out.errors.push(lineTooLong(line, end - lineStart, limits));
      continue;
    }
    const events = out.events.length;
    span.start = -1;
    const read = object ? readEnvelopeBytes(body, first, end, seen, span) : undefined;
    if (read && skipWhitespaceBytes(body, read.end, end) === end) {
      take(out, line, read.envelope, true);
      if (out.events.length > events) spans.push(span.start, span.end);
    } else {
      takeParsed(out, parseJson(text ?? body.toString('latin1', lineStart, end), line));
      if (out.events.length > events) spans.push(-1, -1);
    }
  }
  return undefined;
}

function lineTooLong(line: number, bytes: number, limits: ParseLimits): LineError {
  return { line, error: 'line_too_long', message: `The line is ${bytes} bytes, over the limit of ${limits.lineBytes} bytes (limits.lineBytes): split the event or raise the limit.` };
}

/** What the items of a body came to so far, in order. */
interface Collected {
  readonly events: EventEnvelope[];
  readonly lines: number[];
  readonly errors: LineError[];
  /**
   * The routing fields of an envelope of this body that passed, as read: the body's lines
   * share one string per routing value (see SeenStrings), so the next line's compare against
   * these ends at a pointer check, where one against `valid`'s copies reads every character.
   */
  valid: Routing | undefined;
  /** For a body read as bytes: the payload spans of the events (see ParsedEvents). */
  spans: number[] | undefined;
}

function takeParsed(out: Collected, parsed: { line: number; value: unknown } | LineError): void {
  if ('error' in parsed) out.errors.push(parsed);
  else take(out, parsed.line, parsed.value, false);
}

/**
 * Validates the item of `line`: an envelope read by readEnvelope (`read`: known fields,
 * plain strings, payload a RawJson) or any other parsed value, and adds it to the events or
 * its error to the errors.
 */
function take(out: Collected, line: number, value: unknown, read: boolean): void {
  try {
    const envelope = value as Record<string, unknown>;
    if (read && out.valid !== undefined && sameAsValid(envelope, out.valid)) {
      out.events.push(withDefaults(envelope));
    } else if (read && valid !== undefined && sameAsValid(envelope, valid)) {
      out.valid = { bucket: envelope.bucket, prefix: envelope.prefix, destination: envelope.destination };
      out.events.push(withDefaults(envelope));
    } else {
      const raw = read ? routingOf(envelope) : undefined;
      out.events.push(validateEnvelope(value));
      if (raw) valid = raw;
    }
    out.lines.push(line);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    out.errors.push({
      line,
      error: 'invalid_event',
      message: error.issues.map((issue) => `${issue.field} ${issue.rule}`).join('; '),
      issues: error.issues.map(({ field, rule, fix }) => ({ field, rule, fix })),
    });
  }
}

/**
 * Whether the schema accepts envelope `read` because it accepted `valid` (both as read by
 * readEnvelope, before defaults): the same routing fields, a payload, and an id (whose
 * rules stand alone) of 1 to 200 UTF-16 units, so of 1 to 200 characters. The schema's rules
 * for the rest see the same strings, so they answer the same; anything else goes to the
 * validator.
 */
function sameAsValid(read: Record<string, unknown>, valid: Routing): boolean {
  const { id } = read;
  return (
    read.bucket === valid.bucket &&
    read.prefix === valid.prefix &&
    read.destination === valid.destination &&
    read.payload !== undefined &&
    (id === undefined || (typeof id === 'string' && id.length >= 1 && id.length <= 200))
  );
}

/** The routing fields of an envelope before validation, as strings of their own. */
function routingOf(envelope: Record<string, unknown>): Routing {
  return { bucket: detached(envelope.bucket), prefix: detached(envelope.prefix), destination: detached(envelope.destination) };
}

function detached(value: unknown): unknown {
  // Flattening the concatenation copies the characters; the slice then points into the copy.
  return typeof value === 'string' ? ` ${value}`.slice(1) : value;
}

/** The envelope with the schema's defaults filled in, as the validator fills them. */
function withDefaults(envelope: Record<string, unknown>): EventEnvelope {
  // Stored by name: a store by a changing key is a slow, megamorphic one.
  if (envelope.destination === undefined) envelope.destination = DESTINATION_DEFAULT;
  for (const [name, value] of OTHER_DEFAULTS) if (envelope[name] === undefined) envelope[name] = value;
  return envelope as unknown as EventEnvelope;
}

/**
 * A JSON body (one envelope, or an array of them) read with {@link readEnvelope}, payloads
 * kept as text; undefined when that reading does not apply (then it is parsed as before).
 */
function readJsonBody(body: string, eventsPerRequest: number, seen: SeenStrings): Array<{ line: number; value: unknown; read: true }> | undefined {
  const end = body.length;
  let i = skipWhitespace(body, 0, end);
  if (body.charCodeAt(i) === OPEN_BRACE) {
    const read = readEnvelope(body, i, end, seen);
    return read && skipWhitespace(body, read.end, end) === end ? [{ line: 1, value: read.envelope, read: true }] : undefined;
  }
  if (body.charCodeAt(i) !== OPEN_BRACKET) return undefined;
  const items: Array<{ line: number; value: unknown; read: true }> = [];
  i = skipWhitespace(body, i + 1, end);
  if (body.charCodeAt(i) === CLOSE_BRACKET) return skipWhitespace(body, i + 1, end) === end ? items : undefined;
  for (;;) {
    if (body.charCodeAt(i) !== OPEN_BRACE || items.length >= eventsPerRequest) return undefined;
    const read = readEnvelope(body, i, end, seen);
    if (!read) return undefined;
    items.push({ line: items.length + 1, value: read.envelope, read: true });
    i = skipWhitespace(body, read.end, end);
    const c = body.charCodeAt(i);
    if (c === CLOSE_BRACKET) return skipWhitespace(body, i + 1, end) === end ? items : undefined;
    if (c !== COMMA) return undefined;
    i = skipWhitespace(body, i + 1, end);
  }
}

function parseJson(text: string, line: number): { line: number; value: unknown } | LineError {
  try {
    return { line, value: JSON.parse(text) };
  } catch (error) {
    return { line, error: 'invalid_json', message: `Not valid JSON: ${(error as Error).message}.` };
  }
}
