import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeRecordsFully, writeTextFully } from './writeFully.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

describe('writeTextFully', () => {
  it('writes text as UTF-8 at a position and returns its length in bytes, short and long alike', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-write-'));
    folders.push(folder);
    const fd = fs.openSync(path.join(folder, 'records'), 'w+', 0o600);
    try {
      const short = '{"n":"é€"}\n';
      const long = `${JSON.stringify({ text: 'ü'.repeat(5_000) })}\n`;
      expect(writeTextFully(fd, short, 0)).toBe(Buffer.byteLength(short));
      expect(writeTextFully(fd, long, Buffer.byteLength(short))).toBe(Buffer.byteLength(long));
      // Written where asked: the end of the last record, not wherever the file offset is.
      expect(writeTextFully(fd, short, Buffer.byteLength(short) + Buffer.byteLength(long))).toBe(Buffer.byteLength(short));
      expect(fs.readFileSync(path.join(folder, 'records'), 'utf8')).toBe(short + long + short);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('writeRecordsFully', () => {
  it('writes records back to back as UTF-8 at a position and returns their bytes, whatever the characters and sizes', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-write-'));
    folders.push(folder);
    const fd = fs.openSync(path.join(folder, 'records'), 'w+', 0o600);
    try {
      const small = ['{"n":1}\n', '{"n":"é€😀"}\n', '{"n":"\uD800"}\n'];
      // Larger than the block kept between calls, then small again: the kept block is still right.
      const large = Array.from({ length: 3 }, (_, i) => `${JSON.stringify({ i, text: '€'.repeat(1_000_000) })}\n`);
      const expected = (records: string[]) => Buffer.concat(records.map((record) => Buffer.from(record, 'utf8')));
      let at = 0;
      for (const records of [small, large, small, []]) {
        expect(writeRecordsFully(fd, records, at)).toBe(expected(records).length);
        at += expected(records).length;
      }
      // equals(), not toEqual(): a byte-by-byte diff of megabytes takes minutes.
      expect(fs.readFileSync(path.join(folder, 'records')).equals(expected([...small, ...large, ...small]))).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('stores the bytes each record would be alone, across the runs it joins records into', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-write-'));
    folders.push(folder);
    const fd = fs.openSync(path.join(folder, 'records'), 'w+', 0o600);
    try {
      // Records of 1 to 700 characters, ASCII, Latin-1, three-byte and four-byte characters
      // and a lone surrogate before the terminator: the runs of 32 Ki characters end in
      // the middle of none of them, wherever they fall.
      const texts = ['a', 'ü', '€', '😀', 'x\uD800'];
      const records = Array.from({ length: 600 }, (_, i) => `{"i":${i},"t":"${(texts[i % texts.length] as string).repeat(1 + ((i * 37) % 140))}"}\n`);
      const expected = Buffer.concat(records.map((record) => Buffer.from(record, 'utf8')));
      expect(writeRecordsFully(fd, records, 3)).toBe(expected.length);
      expect(fs.readFileSync(path.join(folder, 'records')).subarray(3).equals(expected)).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });
});
