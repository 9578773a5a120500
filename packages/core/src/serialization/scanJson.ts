/**
 * A validating scan of JSON text (RFC 8259) that builds nothing: where one value starting at
 * an index ends, or -1 if the text there is not one valid JSON value. It accepts exactly what
 * `JSON.parse` accepts for that value, so text it passes can be stored as it is.
 */

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const UPPER_E = 69;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const LOWER_E = 101;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

const IN_ARRAY = 0;
const IN_OBJECT = 1;

/** What {@link scanJsonValue} found besides the end, and what it keeps between scans of one text. */
export interface JsonScan {
  /** Whether whitespace separates tokens somewhere inside the value. */
  spaced: boolean;
  /**
   * The text last scanned, and in it: no backslash or control character in
   * `[specialFrom, special)` (`special` is the next one, or the text's length). Kept between
   * scans, so the values of one text (the lines of a request body) share one search.
   */
  text?: string;
  specialFrom?: number;
  special?: number;
}

/** What ends the plain run of a string early: an escape or a control character. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON strings may not hold
const SPECIAL = /[\\\u0000-\u001f]/g;

/** The index of the first backslash or control character at or after `index`, or the text's length. */
function nextSpecial(text: string, index: number, found: JsonScan): number {
  if (found.text === text && (found.specialFrom as number) <= index && index <= (found.special as number)) return found.special as number;
  SPECIAL.lastIndex = index;
  const special = SPECIAL.test(text) ? SPECIAL.lastIndex - 1 : text.length;
  found.text = text;
  found.specialFrom = index;
  found.special = special;
  return special;
}

/**
 * A string starting at its opening quote; the index after the closing quote, or -1. The
 * closing quote is found by the engine's own search when no escape or control character
 * comes before it (the usual string), else the string is read character by character.
 */
function scanStringIn(text: string, index: number, end: number, found: JsonScan): number {
  const quote = text.indexOf('"', index + 1);
  if (quote < 0 || quote >= end) return -1;
  return quote < nextSpecial(text, index + 1, found) ? quote + 1 : scanString(text, index, end);
}

export function isJsonWhitespace(code: number): boolean {
  return code === SPACE || code === TAB || code === LF || code === CR;
}

/** The index of the first non-whitespace character at or after `index` (or `end`). */
export function skipJsonWhitespace(text: string, index: number, end: number): number {
  while (index < end && isJsonWhitespace(text.charCodeAt(index))) index += 1;
  return index;
}

/**
 * Scans one JSON value that starts exactly at `start` (no whitespace before it) and ends at
 * or before `end`. Returns the index just after it, or -1. Nesting is tracked on an explicit
 * stack, so no depth overflows the call stack.
 */
export function scanJsonValue(text: string, start: number, end: number, found: JsonScan): number {
  const stack: number[] = [];
  let i = start;
  found.spaced = false;
  for (;;) {
    // A value starts at i (after whitespace inside the value).
    let c = text.charCodeAt(i);
    if (i >= end) return -1;
    if (c === OPEN_BRACE) {
      i = skipSpaced(text, i + 1, end, found);
      if (text.charCodeAt(i) === CLOSE_BRACE && i < end) {
        i += 1;
      } else {
        i = scanKey(text, i, end, found);
        if (i < 0) return -1;
        stack.push(IN_OBJECT);
        continue;
      }
    } else if (c === OPEN_BRACKET) {
      i = skipSpaced(text, i + 1, end, found);
      if (text.charCodeAt(i) === CLOSE_BRACKET && i < end) {
        i += 1;
      } else {
        stack.push(IN_ARRAY);
        continue;
      }
    } else if (c === QUOTE) {
      i = scanStringIn(text, i, end, found);
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      i = scanNumber(text, i, end);
    } else if (c === 116 /* t */) {
      i = literal(text, i, end, 'true');
    } else if (c === 102 /* f */) {
      i = literal(text, i, end, 'false');
    } else if (c === 110 /* n */) {
      i = literal(text, i, end, 'null');
    } else {
      return -1;
    }
    if (i < 0) return -1;
    // After a value: close containers until one takes another member, or the value is whole.
    for (;;) {
      const top = stack.length - 1;
      if (top < 0) return i;
      i = skipSpaced(text, i, end, found);
      if (i >= end) return -1;
      c = text.charCodeAt(i);
      if (c === COMMA) {
        i = skipSpaced(text, i + 1, end, found);
        if (stack[top] === IN_OBJECT) {
          i = scanKey(text, i, end, found);
          if (i < 0) return -1;
        }
        break;
      }
      if (c === (stack[top] === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
        stack.pop();
        i += 1;
        continue;
      }
      return -1;
    }
  }
}

function skipSpaced(text: string, index: number, end: number, found: JsonScan): number {
  const after = skipJsonWhitespace(text, index, end);
  if (after !== index) found.spaced = true;
  return after;
}

/** A member's name, the colon and the whitespace up to its value; the index of the value or -1. */
function scanKey(text: string, index: number, end: number, found: JsonScan): number {
  if (index >= end || text.charCodeAt(index) !== QUOTE) return -1;
  let i = scanStringIn(text, index, end, found);
  if (i < 0) return -1;
  i = skipSpaced(text, i, end, found);
  if (i >= end || text.charCodeAt(i) !== COLON) return -1;
  return skipSpaced(text, i + 1, end, found);
}

/**
 * A string starting at its opening quote; the index after the closing quote, or -1. A plain
 * loop: payload strings are mostly short, and a sticky regular expression per string costs
 * more in calls than it saves on the long ones.
 */
export function scanString(text: string, index: number, end: number): number {
  let i = index + 1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = text.charCodeAt(i + 1);
      if (e === 117 /* u */) {
        if (i + 6 > end || !isHex(text.charCodeAt(i + 2)) || !isHex(text.charCodeAt(i + 3)) || !isHex(text.charCodeAt(i + 4)) || !isHex(text.charCodeAt(i + 5))) return -1;
        i += 6;
      } else {
        // " \ / b f n r t
        if (i + 2 > end || !(e === QUOTE || e === BACKSLASH || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) return -1;
        i += 2;
      }
      continue;
    }
    if (c < SPACE) return -1;
    i += 1;
  }
  return -1;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; the index after it, or -1. */
function scanNumber(text: string, index: number, end: number): number {
  let i = index;
  if (text.charCodeAt(i) === MINUS) i += 1;
  if (i >= end) return -1;
  let c = text.charCodeAt(i);
  if (c === ZERO) {
    i += 1;
  } else if (c >= 49 && c <= NINE) {
    i = digits(text, i + 1, end);
  } else {
    return -1;
  }
  c = i < end ? text.charCodeAt(i) : -1;
  if (c === DOT) {
    const after = digits(text, i + 1, end);
    if (after === i + 1) return -1;
    i = after;
    c = i < end ? text.charCodeAt(i) : -1;
  }
  if (c === LOWER_E || c === UPPER_E) {
    i += 1;
    c = i < end ? text.charCodeAt(i) : -1;
    if (c === PLUS || c === MINUS) i += 1;
    const after = digits(text, i, end);
    if (after === i) return -1;
    i = after;
  }
  return i;
}

function digits(text: string, index: number, end: number): number {
  let i = index;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) break;
    i += 1;
  }
  return i;
}

function literal(text: string, index: number, end: number, word: string): number {
  const after = index + word.length;
  return after <= end && text.startsWith(word, index) ? after : -1;
}

/** `text[start, end)`, a valid JSON value, without the whitespace between its tokens. */
export function compactJson(text: string, start: number, end: number): string {
  let out = '';
  let from = start;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = scanString(text, i, end);
      continue;
    }
    if (isJsonWhitespace(c)) {
      out += text.slice(from, i);
      i = skipJsonWhitespace(text, i, end);
      from = i;
      continue;
    }
    i += 1;
  }
  return out + text.slice(from, end);
}
