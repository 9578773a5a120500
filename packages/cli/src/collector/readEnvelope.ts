import { RawJson } from '@sluice/core';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const BACKSLASH = 92;
const CLOSE_BRACE = 125;

/** The fields an envelope may hold besides `payload`, all strings. */
const STRING_FIELDS = ['bucket', 'prefix', 'destination', 'id'] as const;

/** An envelope object as read, not yet validated, and the index just after its closing brace. */
export interface ReadEnvelope {
  readonly envelope: Record<string, unknown>;
  readonly end: number;
}

/**
 * Reads the event envelope whose `{` is at `start` of `text`, without parsing its payload:
 * the payload becomes a {@link RawJson} of its own text, checked to be valid JSON by the
 * scan, so the spool stores the bytes received instead of a parse written out again. Only
 * the usual shape is read this way: the fields `bucket`, `prefix`, `destination`, `id` as
 * strings without escapes, and `payload`. Anything else (an unknown field, an escape in a
 * field name or value, a field that is not a string, text that is not JSON) gives undefined,
 * and the caller parses the text with `JSON.parse` as before: same answers, same errors.
 * A repeated field keeps its last value, as `JSON.parse` does.
 */
export function readEnvelope(text: string, start: number, end: number, seen?: SeenStrings): ReadEnvelope | undefined {
  const envelope: Record<string, unknown> = {};
  let i = skipWhitespace(text, start + 1, end);
  if (i < end && text.charCodeAt(i) === CLOSE_BRACE) return { envelope, end: i + 1 };
  for (;;) {
    if (i >= end || text.charCodeAt(i) !== QUOTE) return undefined;
    const nameEnd = plainStringEnd(text, i, end);
    if (nameEnd < 0) return undefined;
    const name = fieldAt(text, i + 1, nameEnd - 1);
    i = skipWhitespace(text, nameEnd, end);
    if (i >= end || text.charCodeAt(i) !== COLON) return undefined;
    i = skipWhitespace(text, i + 1, end);
    if (name === 'payload') {
      const read = RawJson.read(text, i, end);
      if (!read) return undefined;
      envelope.payload = read.value;
      i = read.end;
    } else if (name !== undefined) {
      if (i >= end || text.charCodeAt(i) !== QUOTE) return undefined;
      const valueEnd = plainStringEnd(text, i, end);
      if (valueEnd < 0) return undefined;
      // Named stores, not envelope[name]: a store by a changing key is a slow, megamorphic one.
      if (name === 'id') envelope.id = text.slice(i + 1, valueEnd - 1);
      else if (name === 'bucket') envelope.bucket = seen ? (seen.bucket = sameOrSlice(text, i + 1, valueEnd - 1, seen.bucket)) : text.slice(i + 1, valueEnd - 1);
      else if (name === 'prefix') envelope.prefix = seen ? (seen.prefix = sameOrSlice(text, i + 1, valueEnd - 1, seen.prefix)) : text.slice(i + 1, valueEnd - 1);
      else envelope.destination = seen ? (seen.destination = sameOrSlice(text, i + 1, valueEnd - 1, seen.destination)) : text.slice(i + 1, valueEnd - 1);
      i = valueEnd;
    } else {
      return undefined;
    }
    i = skipWhitespace(text, i, end);
    if (i >= end) return undefined;
    const c = text.charCodeAt(i);
    if (c === CLOSE_BRACE) return { envelope, end: i + 1 };
    if (c !== COMMA) return undefined;
    i = skipWhitespace(text, i + 1, end);
  }
}

/**
 * The last value read of each routing field, over the envelopes of one body: the lines of a
 * request mostly repeat them, and the one string held instead of a copy per line makes later
 * comparisons (the route cache, the validation of a repeat) a pointer check.
 */
export type SeenStrings = Partial<Record<Exclude<(typeof STRING_FIELDS)[number], 'id'>, string>>;

/** `last` if `text[from, to)` spells it, else that text as a string of its own. */
function sameOrSlice(text: string, from: number, to: number, last: string | undefined): string {
  if (last !== undefined && last.length === to - from && text.startsWith(last, from)) return last;
  return text.slice(from, to);
}

export function skipWhitespace(text: string, index: number, end: number): number {
  let i = index;
  for (; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
  }
  return i;
}

/** The known field named by `text[from, to)`, compared in place (no string is made). */
function fieldAt(text: string, from: number, to: number): 'payload' | (typeof STRING_FIELDS)[number] | undefined {
  const length = to - from;
  if (length === 7 && text.startsWith('payload', from)) return 'payload';
  for (const field of STRING_FIELDS) if (length === field.length && text.startsWith(field, from)) return field;
  return undefined;
}

/** The index after the closing quote of a string without escapes or control characters, or -1. */
function plainStringEnd(text: string, quote: number, end: number): number {
  for (let i = quote + 1; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < SPACE) return -1;
  }
  return -1;
}
