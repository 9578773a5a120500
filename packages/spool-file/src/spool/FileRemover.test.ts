import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../test-support/RecordingLogger.js';
import { temporarySpoolDirectory } from '../testing/temporarySpoolDirectory.js';
import { FileRemover } from './FileRemover.js';

describe('FileRemover', () => {
  const folders: Array<() => void> = [];
  afterEach(() => folders.splice(0).forEach((remove) => remove()));
  function folderWith(...names: string[]): string[] {
    const temp = temporarySpoolDirectory();
    folders.push(temp.remove);
    fs.mkdirSync(temp.directory, { recursive: true });
    return names.map((name) => {
      const file = path.join(temp.directory, name);
      fs.writeFileSync(file, name);
      return file;
    });
  }

  it('deletes the files of each batch given, and idle() resolves once all are gone', async () => {
    const files = folderWith('a.ndjson', 'a.meta.json', 'b.ndjson', 'b.meta.json');
    const remover = new FileRemover(new RecordingLogger());
    remover.remove(files.slice(0, 2));
    remover.remove(files.slice(2));
    await remover.idle();
    expect(files.filter((file) => fs.existsSync(file))).toEqual([]);
    await remover.idle();
  });

  it('keeps a batch meta file when its records could not be deleted, so records never lose their meta, and logs it', async () => {
    const [records, metaFile, other] = folderWith('a.ndjson', 'a.meta.json', 'b.ndjson') as [string, string, string];
    // A non-empty folder in place of the records: rm without `recursive` refuses it.
    fs.rmSync(records);
    fs.mkdirSync(records);
    fs.writeFileSync(path.join(records, 'x'), 'x');
    const logger = new RecordingLogger();
    const remover = new FileRemover(logger);
    remover.remove([records, metaFile]);
    remover.remove([other]);
    await remover.idle();
    expect(fs.existsSync(metaFile)).toBe(true);
    expect(fs.existsSync(other)).toBe(false);
    expect(logger.at('warn')).toEqual([expect.stringContaining(records)]);
  });

  it('flushSync deletes, before it returns, the batch under way and every one queued', () => {
    const files = folderWith('a.ndjson', 'a.meta.json', 'b.ndjson', 'b.meta.json');
    const logger = new RecordingLogger();
    const remover = new FileRemover(logger);
    remover.remove(files.slice(0, 2));
    remover.remove(files.slice(2));
    remover.flushSync();
    expect(files.filter((file) => fs.existsSync(file))).toEqual([]);
    return remover.idle().then(() => expect(logger.lines).toEqual([]));
  });
});
