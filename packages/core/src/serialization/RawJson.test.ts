import { describe, expect, it } from 'vitest';
import { SerializationError } from '../errors/SerializationError.js';
import { RawJson } from './RawJson.js';

/** Whether JSON.parse takes `text`. */
function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether RawJson takes `text` whole (whitespace around it allowed, as JSON.parse allows). */
function reads(text: string): RawJson | undefined {
  try {
    return RawJson.from(text);
  } catch (error) {
    if (!(error instanceof SerializationError)) throw error;
    return undefined;
  }
}

/** A deterministic generator (mulberry32), so a failure names the seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SAMPLES = [
  '{"id":"evt_1","n":-0.5e-3,"ok":true,"none":null,"tags":["a","b"],"nested":{"x":[{},[],""]},"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"}',
  '[1,2.25,3E2,-4,0,"x",false]',
  ' {"a" : [ 1 , 2 ] }\n',
  '"just a string"',
  '12345678901234567890',
];
/** Characters that matter to JSON's grammar, to mutate samples with. */
const ALPHABET = ['{', '}', '[', ']', '"', '\\', ':', ',', ' ', '\n', '\t', '0', '1', '-', '+', '.', 'e', 'E', 'u', 'a', 't', 'n', '\u0001', 'é'];

describe('RawJson', () => {
  it('accepts exactly what JSON.parse accepts, over samples and 20,000 mutations of them', () => {
    const next = random(20_241_126);
    const disagreements: string[] = [];
    let accepted = 0;
    for (let round = 0; round < 20_000; round += 1) {
      let text = SAMPLES[round % SAMPLES.length] as string;
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e += 1) {
        const at = Math.floor(next() * (text.length + 1));
        const char = ALPHABET[Math.floor(next() * ALPHABET.length)] as string;
        const kind = next();
        text = kind < 0.4 ? text.slice(0, at) + char + text.slice(at) : kind < 0.7 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + char + text.slice(at + 1);
      }
      const raw = reads(text);
      if (raw) accepted += 1;
      if ((raw !== undefined) !== parses(text) || (raw && JSON.stringify(JSON.parse(raw.json)) !== JSON.stringify(JSON.parse(text)))) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
    // Both answers are exercised, not only one.
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(18_000);
    // A net for two cores shared with other test runs: the loop takes about a second alone.
  }, 60_000);

  it('reads the values of one text in any order with the answers each gives alone (the search for escapes is shared)', () => {
    const next = random(20_261_126);
    const lines: string[] = [];
    for (let round = 0; round < 2_000; round += 1) {
      let text = SAMPLES[round % SAMPLES.length] as string;
      const at = Math.floor(next() * (text.length + 1));
      const char = ALPHABET[Math.floor(next() * ALPHABET.length)] as string;
      text = text.slice(0, at) + char + text.slice(at + 1);
      // Lines of one text hold no raw line break, as in an NDJSON body.
      lines.push(text.replaceAll('\n', ' '));
    }
    const body = lines.join('\n');
    const spans = lines.map((line, i) => {
      const start = lines.slice(0, i).reduce((sum, l) => sum + l.length + 1, 0);
      return { start, end: start + line.length, line };
    });
    const alone = (line: string) => {
      const read = RawJson.read(line, 0);
      return read && read.end === line.length ? read.value.json : undefined;
    };
    const inBody = ({ start, end }: { start: number; end: number }) => {
      const read = RawJson.read(body, start, end);
      return read && read.end === end ? read.value.json : undefined;
    };
    const expected = spans.map(({ line }) => alone(line));
    expect(spans.map(inBody)).toEqual(expected);
    expect([...spans].reverse().map(inBody)).toEqual([...expected].reverse());
    const shuffled = spans.map((span, i) => ({ span, i, key: next() })).sort((a, b) => a.key - b.key);
    expect(shuffled.map(({ span }) => inBody(span))).toEqual(shuffled.map(({ i }) => expected[i]));
    // Both answers are exercised.
    expect(expected.filter((json) => json !== undefined).length).toBeGreaterThan(200);
    expect(expected.filter((json) => json === undefined).length).toBeGreaterThan(200);
  });

  it('refuses what JSON.parse refuses, with SLUICE_UNSERIALIZABLE', () => {
    for (const text of ['', ' ', '01', '1.', '.5', '-', '1e', '+1', 'NaN', 'Infinity', 'tru', 'nulls', '"a\tb"', '"\\x"', '"\\u12g4"', '[1,]', '{"a":1,}', '{"a"}', '{a:1}', "'a'", '[1 2]', '"open', '{}{}', '[', '\ufeff1']) {
      expect(parses(text)).toBe(false);
      expect(() => RawJson.from(text)).toThrow(expect.objectContaining({ code: 'SLUICE_UNSERIALIZABLE' }));
    }
  });

  it('keeps the text as given, less the whitespace between tokens, so it is one line', () => {
    expect(RawJson.from('{"b":1.0,"a":"\\u00e9","a":2}').json).toBe('{"b":1.0,"a":"\\u00e9","a":2}');
    expect(RawJson.from(' {\n "a b" : [ 1 ,\r\n\t2 ] ,\n "c" : " x " }\n').json).toBe('{"a b":[1,2],"c":" x "}');
    expect(RawJson.from('"a\\nb"').json).toBe('"a\\nb"');
  });

  it('reads one value inside a larger text and says where it ends', () => {
    const text = '{"payload":[1,{"a":"]"}],"id":"x"}';
    expect(RawJson.read(text, 11)).toEqual({ value: RawJson.from('[1,{"a":"]"}]'), end: 24 });
    expect(RawJson.read(text, 10)).toBeUndefined();
    expect(RawJson.read('[1,2]', 0, 4)).toBeUndefined();
  });

  it('takes nesting far deeper than the call stack could', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(RawJson.from(deep).json).toHaveLength(400_000);
  });

  it('shows the parsed value to JSON.stringify and value(), and detaches from the text it was read from', () => {
    const raw = RawJson.from('{"n":1.50}');
    expect(JSON.stringify({ payload: raw })).toBe('{"payload":{"n":1.5}}');
    expect(raw.value()).toEqual({ n: 1.5 });
    const read = RawJson.read('xx{"a":1}', 2);
    expect(read?.value.detached()).toEqual(RawJson.from('{"a":1}'));
  });

  it('reads ASCII bytes as read reads the same text: the same values, ends and refusals, over 20,000 mutations', () => {
    const next = random(20_261_127);
    const ascii = ALPHABET.filter((char) => char.charCodeAt(0) < 0x80);
    const disagreements: string[] = [];
    let accepted = 0;
    for (let round = 0; round < 20_000; round += 1) {
      let text = SAMPLES[round % SAMPLES.length] as string;
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e += 1) {
        const at = Math.floor(next() * (text.length + 1));
        const char = ascii[Math.floor(next() * ascii.length)] as string;
        const kind = next();
        text = kind < 0.4 ? text.slice(0, at) + char + text.slice(at) : kind < 0.7 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + char + text.slice(at + 1);
      }
      // Inside a larger text, bounded by `end`, as a line of a body is read.
      const bytes = Buffer.from(`xx${text}yy`, 'latin1');
      const start = 2 + Math.min(text.length, Math.floor(next() * 2));
      const fromText = RawJson.read(`xx${text}yy`, start, 2 + text.length);
      const fromBytes = RawJson.readAscii(bytes, start, 2 + text.length);
      if (fromBytes) accepted += 1;
      if (fromText?.end !== fromBytes?.end || fromText?.value.json !== fromBytes?.value.json) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(18_000);
  }, 60_000);

  it('refuses from bytes what JSON.parse refuses, and any byte over 0x7f (text to decode and read as a string)', () => {
    for (const text of ['', ' ', '01', '1.', '.5', '-', '1e', '+1', 'NaN', 'tru', 'nulls', 'nul', '"a\tb"', '"\\x"', '"\\u12g4"', '"\\u12"', '"\\', '[1,]', '{"a":1,}', '{"a"}', '{a:1}', '[1 2]', '"open', '[']) {
      // Undefined, or a value that ends before the text does (as '0' of '01'): never the whole text.
      const read = RawJson.readAscii(Buffer.from(text, 'latin1'), 0);
      expect(read === undefined || read.end < text.length).toBe(true);
    }
    expect(RawJson.readAscii(Buffer.from('"\u00e9"', 'utf8'), 0)).toBeUndefined();
    expect(RawJson.readAscii(Buffer.from('{"a":"\u00e9"}', 'utf8'), 0)).toBeUndefined();
    expect(RawJson.readAscii(Buffer.from([0x22, 0x80, 0x22]), 0)).toBeUndefined();
    expect(RawJson.readAscii(Buffer.from('{"a" : [ 1 ,\r\n\t2 ] }', 'latin1'), 0)?.value.json).toBe('{"a":[1,2]}');
    expect(RawJson.readAscii(Buffer.from('[1,2]'), 0, 4)).toBeUndefined();
    const deep = Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(RawJson.readAscii(deep, 0)?.value.json).toHaveLength(400_000);
  });
});
