import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RawJson, SerializationError } from '@sluice/core';
import { NdjsonGzipSerializer } from './NdjsonGzipSerializer.js';

const serializer = new NdjsonGzipSerializer({ compressionLevel: 6, compressionConcurrency: 0 });

async function roundTrip(payloads: unknown[]): Promise<string> {
  const bytes = await buffer(serializer.serialize(payloads.map((p) => Buffer.from(serializer.encode(p)))));
  return gunzipSync(bytes).toString('utf8');
}

describe('NdjsonGzipSerializer', () => {
  it('writes one JSON line per payload, "\\n"-separated and -terminated, every JSON type intact', async () => {
    const payloads = [{ a: { b: [1, 'x'] } }, [1, 2], 'multi\nline\r\nstring', 3.25, true, false, null, 'ünïcødé ✓'];
    const text = await roundTrip(payloads);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(payloads.length);
    expect(lines.map((line) => JSON.parse(line))).toEqual(payloads);
  });

  it('writes a RawJson payload as its text, byte for byte, on one line', async () => {
    const text = '{"b":1.0,"a":"caf\\u00e9","a":[1E2]}';
    expect(serializer.encode(RawJson.from(text))).toBe(`${text}\n`);
    expect(serializer.encode(RawJson.from('{\n  "a": [ 1, 2 ]\n}\n'))).toBe('{"a":[1,2]}\n');
    expect(await roundTrip([RawJson.from(text), { c: 1 }])).toBe(`${text}\n{"c":1}\n`);
  });

  it('keeps order across many body chunks', async () => {
    const payloads = Array.from({ length: 20_000 }, (_, i) => ({ i, pad: 'p'.repeat(i % 50) }));
    const lines = (await roundTrip(payloads)).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(payloads.map((p) => p.i));
  });

  it('is deterministic, so a retried upload sends the same bytes', async () => {
    const body = [Buffer.from('{"a":1}\n'), Buffer.from('"b"\n')];
    expect(await buffer(serializer.serialize(body))).toEqual(await buffer(serializer.serialize(body)));
  });

  it('compresses only as many batches at once as it has slots; a stream its consumer destroys gives its slot back', async () => {
    const single = new NdjsonGzipSerializer({ compressionLevel: 6, compressionConcurrency: 1 });
    // Bodies read as they are asked for (as from disk) take the streaming path; each says when
    // compression starts reading it.
    const reads: string[] = [];
    let firstRead!: () => void;
    const firstReading = new Promise<void>((resolve) => (firstRead = resolve));
    const fromDisk = (name: string, text: string, onRead = () => {}) =>
      (function* () {
        reads.push(name);
        onRead();
        yield Buffer.from(text);
      })();
    const first = single.serialize(fromDisk('first', '"first"\n', firstRead));
    const second = single.serialize(fromDisk('second', '"second"\n'));
    const secondBytes = buffer(second);
    await firstReading;
    // Had the second a slot, its reading would have been scheduled with the first's, and run
    // before the next turn of the event loop.
    await new Promise(setImmediate);
    expect(reads).toEqual(['first']); // waiting for the slot the unread first stream holds
    first.destroy();
    expect(gunzipSync(await secondBytes).toString()).toBe('"second"\n');
    expect(reads).toEqual(['first', 'second']);
  });

  it('gives the same lines whether a body in memory is small (one call) or large (a stream)', async () => {
    const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(100) })}\n`;
    for (const events of [1, 3, 500, 5_000]) {
      const chunks = Array.from({ length: events }, (_, i) => Buffer.from(line(i)));
      const inMemory = gunzipSync(await buffer(serializer.serialize(chunks))).toString();
      const streamed = gunzipSync(await buffer(serializer.serialize((function* () { yield* chunks; })()))).toString();
      expect(inMemory).toBe(chunks.join(''));
      expect(streamed).toBe(inMemory);
    }
  });

  it('owns its extension and content type', () => {
    expect([serializer.extension, serializer.contentType]).toEqual(['gz', 'application/gzip']);
  });

  it('throws SerializationError saying what to do for circular, BigInt and undefined payloads', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => serializer.encode(circular)).toThrow(SerializationError);
    expect(() => serializer.encode(circular)).toThrow(/circular.*Remove circular references/is);
    expect(() => serializer.encode({ n: 1n })).toThrow(/BigInt.*convert BigInt values/s);
    expect(() => serializer.encode(undefined)).toThrow(/payload is undefined, which JSON cannot represent/);
    expect(() => serializer.encode(Symbol('s'))).toThrow(/a symbol/);
  });
});
