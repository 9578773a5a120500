/**
 * {@link scanJsonValue}'s twin over bytes of ASCII text: where one JSON value starting at an
 * index ends, or -1 if the bytes there are not one valid JSON value or hold a byte over 0x7f
 * (then the caller decodes the text and scans it as a string). On ASCII it accepts exactly
 * what `JSON.parse` accepts, as the string scan does. Reading a byte array costs V8 a bounds
 * check and a load; reading a string's character costs it a check of the string's
 * representation too, which made the string scan 1.6 times slower on request bodies.
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
const SLASH = 47;
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
const LAST_ASCII = 127;

const IN_ARRAY = 0;
const IN_OBJECT = 1;

/** What {@link scanJsonBytes} found besides the end. */
export interface JsonBytesScan {
  /** Whether whitespace separates tokens somewhere inside the value. */
  spaced: boolean;
}

function isWhitespace(code: number): boolean {
  return code === SPACE || code === TAB || code === LF || code === CR;
}

/** The index of the first non-whitespace byte at or after `index` (or `end`). */
export function skipJsonWhitespaceBytes(bytes: Uint8Array, index: number, end: number): number {
  while (index < end && isWhitespace(bytes[index] as number)) index += 1;
  return index;
}

/**
 * Scans one JSON value of ASCII text that starts exactly at `start` (no whitespace before
 * it) and ends at or before `end`. Returns the index just after it, or -1. Nesting is tracked
 * on an explicit stack, so no depth overflows the call stack.
 */
export function scanJsonBytes(bytes: Uint8Array, start: number, end: number, found: JsonBytesScan): number {
  const stack: number[] = [];
  let i = start;
  found.spaced = false;
  for (;;) {
    // A value starts at i (after whitespace inside the value).
    if (i >= end) return -1;
    let c = bytes[i] as number;
    if (c === OPEN_BRACE) {
      i = skipSpaced(bytes, i + 1, end, found);
      if (i < end && bytes[i] === CLOSE_BRACE) {
        i += 1;
      } else {
        i = scanKey(bytes, i, end, found);
        if (i < 0) return -1;
        stack.push(IN_OBJECT);
        continue;
      }
    } else if (c === OPEN_BRACKET) {
      i = skipSpaced(bytes, i + 1, end, found);
      if (i < end && bytes[i] === CLOSE_BRACKET) {
        i += 1;
      } else {
        stack.push(IN_ARRAY);
        continue;
      }
    } else if (c === QUOTE) {
      i = scanStringBytes(bytes, i, end);
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      i = scanNumber(bytes, i, end);
    } else if (c === 116 /* t */) {
      i = literal(bytes, i, end, 'true');
    } else if (c === 102 /* f */) {
      i = literal(bytes, i, end, 'false');
    } else if (c === 110 /* n */) {
      i = literal(bytes, i, end, 'null');
    } else {
      return -1;
    }
    if (i < 0) return -1;
    // After a value: close containers until one takes another member, or the value is whole.
    for (;;) {
      const top = stack.length - 1;
      if (top < 0) return i;
      i = skipSpaced(bytes, i, end, found);
      if (i >= end) return -1;
      c = bytes[i] as number;
      if (c === COMMA) {
        i = skipSpaced(bytes, i + 1, end, found);
        if (stack[top] === IN_OBJECT) {
          i = scanKey(bytes, i, end, found);
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

function skipSpaced(bytes: Uint8Array, index: number, end: number, found: JsonBytesScan): number {
  const after = skipJsonWhitespaceBytes(bytes, index, end);
  if (after !== index) found.spaced = true;
  return after;
}

/** A member's name, the colon and the whitespace up to its value; the index of the value or -1. */
function scanKey(bytes: Uint8Array, index: number, end: number, found: JsonBytesScan): number {
  if (index >= end || bytes[index] !== QUOTE) return -1;
  let i = scanStringBytes(bytes, index, end);
  if (i < 0) return -1;
  i = skipSpaced(bytes, i, end, found);
  if (i >= end || bytes[i] !== COLON) return -1;
  return skipSpaced(bytes, i + 1, end, found);
}

/**
 * A string of ASCII text starting at its opening quote; the index after the closing quote,
 * or -1 (also for a byte over 0x7f: the caller reads such text as a string).
 */
export function scanStringBytes(bytes: Uint8Array, index: number, end: number): number {
  let i = index + 1;
  while (i < end) {
    const c = bytes[i] as number;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = i + 1 < end ? (bytes[i + 1] as number) : -1;
      if (e === 117 /* u */) {
        if (i + 6 > end || !isHex(bytes[i + 2] as number) || !isHex(bytes[i + 3] as number) || !isHex(bytes[i + 4] as number) || !isHex(bytes[i + 5] as number)) return -1;
        i += 6;
      } else {
        // " \ / b f n r t
        if (!(e === QUOTE || e === BACKSLASH || e === SLASH || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) return -1;
        i += 2;
      }
      continue;
    }
    if (c < SPACE || c > LAST_ASCII) return -1;
    i += 1;
  }
  return -1;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; the index after it, or -1. */
function scanNumber(bytes: Uint8Array, index: number, end: number): number {
  let i = index;
  if (bytes[i] === MINUS) i += 1;
  if (i >= end) return -1;
  let c = bytes[i] as number;
  if (c === ZERO) {
    i += 1;
  } else if (c >= 49 && c <= NINE) {
    i = digits(bytes, i + 1, end);
  } else {
    return -1;
  }
  c = i < end ? (bytes[i] as number) : -1;
  if (c === DOT) {
    const after = digits(bytes, i + 1, end);
    if (after === i + 1) return -1;
    i = after;
    c = i < end ? (bytes[i] as number) : -1;
  }
  if (c === LOWER_E || c === UPPER_E) {
    i += 1;
    c = i < end ? (bytes[i] as number) : -1;
    if (c === PLUS || c === MINUS) i += 1;
    const after = digits(bytes, i, end);
    if (after === i) return -1;
    i = after;
  }
  return i;
}

function digits(bytes: Uint8Array, index: number, end: number): number {
  let i = index;
  while (i < end) {
    const c = bytes[i] as number;
    if (c < ZERO || c > NINE) break;
    i += 1;
  }
  return i;
}

function literal(bytes: Uint8Array, index: number, end: number, word: string): number {
  const after = index + word.length;
  if (after > end) return -1;
  for (let k = 1; k < word.length; k += 1) if (bytes[index + k] !== word.charCodeAt(k)) return -1;
  return after;
}
