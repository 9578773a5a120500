import { RawJson } from '@sluice/core';
import type { ReadEnvelope, SeenStrings } from './readEnvelope.js';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const BACKSLASH = 92;
const CLOSE_BRACE = 125;
const LAST_ASCII = 127;

/** Where the payload last read by {@link readEnvelopeBytes} lies in the bytes. */
export interface PayloadSpan {
  start: number;
  end: number;
}

/**
 * {@link readEnvelope} over bytes of ASCII text (an NDJSON body that is all ASCII, read
 * without decoding it): the same envelope, or undefined in the same cases, and for a byte over
 * 0x7f (the caller then decodes the line and reads it as before). Field values are strings of
 * their own, the payload a RawJson read with `RawJson.readAscii`, whose place in `bytes` goes
 * to `span`.
 */
export function readEnvelopeBytes(bytes: Buffer, start: number, end: number, seen: SeenStrings, span: PayloadSpan): ReadEnvelope | undefined {
  const envelope: Record<string, unknown> = {};
  let i = skipWhitespaceBytes(bytes, start + 1, end);
  if (i < end && bytes[i] === CLOSE_BRACE) return { envelope, end: i + 1 };
  for (;;) {
    if (i >= end || bytes[i] !== QUOTE) return undefined;
    const nameEnd = plainStringEnd(bytes, i, end);
    if (nameEnd < 0) return undefined;
    const name = fieldAt(bytes, i + 1, nameEnd - 1);
    i = skipWhitespaceBytes(bytes, nameEnd, end);
    if (i >= end || bytes[i] !== COLON) return undefined;
    i = skipWhitespaceBytes(bytes, i + 1, end);
    if (name === 'payload') {
      const read = RawJson.readAscii(bytes, i, end);
      if (!read) return undefined;
      envelope.payload = read.value;
      span.start = i;
      span.end = read.end;
      i = read.end;
    } else if (name !== undefined) {
      if (i >= end || bytes[i] !== QUOTE) return undefined;
      const valueEnd = plainStringEnd(bytes, i, end);
      if (valueEnd < 0) return undefined;
      // Named stores, not envelope[name]: a store by a changing key is a slow, megamorphic one.
      if (name === 'id') envelope.id = bytes.toString('latin1', i + 1, valueEnd - 1);
      else if (name === 'bucket') envelope.bucket = seen.bucket = sameOrDecoded(bytes, i + 1, valueEnd - 1, seen.bucket);
      else if (name === 'prefix') envelope.prefix = seen.prefix = sameOrDecoded(bytes, i + 1, valueEnd - 1, seen.prefix);
      else envelope.destination = seen.destination = sameOrDecoded(bytes, i + 1, valueEnd - 1, seen.destination);
      i = valueEnd;
    } else {
      return undefined;
    }
    i = skipWhitespaceBytes(bytes, i, end);
    if (i >= end) return undefined;
    const c = bytes[i];
    if (c === CLOSE_BRACE) return { envelope, end: i + 1 };
    if (c !== COMMA) return undefined;
    i = skipWhitespaceBytes(bytes, i + 1, end);
  }
}

/** `last` if `bytes[from, to)` spell it, else those bytes as a string of its own. */
function sameOrDecoded(bytes: Buffer, from: number, to: number, last: string | undefined): string {
  if (last !== undefined && spells(bytes, from, to, last)) return last;
  return bytes.toString('latin1', from, to);
}

/** Whether `bytes[from, to)` are the characters of `text` (ASCII). */
function spells(bytes: Uint8Array, from: number, to: number, text: string): boolean {
  if (to - from !== text.length) return false;
  for (let k = 0; k < text.length; k += 1) if (bytes[from + k] !== text.charCodeAt(k)) return false;
  return true;
}

export function skipWhitespaceBytes(bytes: Uint8Array, index: number, end: number): number {
  let i = index;
  for (; i < end; i += 1) {
    const c = bytes[i];
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
  }
  return i;
}

/** The known field named by `bytes[from, to)`, compared in place (no string is made). */
function fieldAt(bytes: Uint8Array, from: number, to: number): 'payload' | 'bucket' | 'prefix' | 'destination' | 'id' | undefined {
  switch (to - from) {
    case 7:
      return spells(bytes, from, to, 'payload') ? 'payload' : undefined;
    case 6:
      return spells(bytes, from, to, 'bucket') ? 'bucket' : spells(bytes, from, to, 'prefix') ? 'prefix' : undefined;
    case 11:
      return spells(bytes, from, to, 'destination') ? 'destination' : undefined;
    case 2:
      return spells(bytes, from, to, 'id') ? 'id' : undefined;
    default:
      return undefined;
  }
}

/** The index after the closing quote of a string of ASCII without escapes or control characters, or -1. */
function plainStringEnd(bytes: Uint8Array, quote: number, end: number): number {
  for (let i = quote + 1; i < end; i += 1) {
    const c = bytes[i] as number;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < SPACE || c > LAST_ASCII) return -1;
  }
  return -1;
}
