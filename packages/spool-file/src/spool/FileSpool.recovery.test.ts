import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSpoolHarness, id, meta, text } from '../../test-support/fileSpoolHarness.js';

describe('FileSpool', () => {
  const { spoolIn, killed } = fileSpoolHarness();

  it('gives back what a dead process left, oldest first, cutting a half-written last record', async () => {
    const { spool: first, directory } = spoolIn();
    const older = first.open(meta(id('1'), 1_000));
    older.append('"a"\n');
    const newer = first.open(meta(id('2'), 2_000));
    newer.append('"b"\n');
    first.open(meta(id('3'), 3_000)); // opened, never written: nothing to deliver
    fs.appendFileSync(path.join(directory, 'batches', `${id('1')}.ndjson`), '"torn');
    killed(first, directory);

    const { spool: second } = spoolIn('never', directory);
    const found = second.recover();
    expect(await Promise.all(found.map(async (f) => [f.meta.identifier[0], f.events, f.bytes, await text(f.batch.contents())]))).toEqual([
      ['1', 1, 4, '"a"\n'],
      ['2', 1, 4, '"b"\n'],
    ]);
    expect(found[0]?.meta).toEqual(meta(id('1'), 1_000));
    expect(fs.existsSync(path.join(directory, 'batches', `${id('3')}.meta.json`))).toBe(false);
    second.close();
  });

  it('after a crash while a delivered batch was being deleted: records gone means the batch is gone, records left mean it is delivered again whole', async () => {
    const { spool: first, directory } = spoolIn();
    const halfDeleted = first.open(meta(id('1'), 1_000));
    halfDeleted.append('"a"\n');
    const notYetDeleted = first.open(meta(id('2'), 2_000));
    notYetDeleted.append('"b"\n');
    killed(first, directory);
    // Deletion goes records first, meta second: a crash between them leaves the meta alone.
    fs.rmSync(path.join(directory, 'batches', `${id('1')}.ndjson`));

    const { spool: second, logger } = spoolIn('never', directory);
    const found = second.recover();
    expect(await Promise.all(found.map(async (f) => [f.meta.identifier, await text(f.batch.contents())]))).toEqual([[id('2'), '"b"\n']]);
    expect(fs.readdirSync(path.join(directory, 'batches')).sort()).toEqual([`${id('2')}.meta.json`, `${id('2')}.ndjson`]);
    expect(fs.existsSync(path.join(directory, 'quarantine'))).toBe(false);
    expect(logger.at('warn').filter((line) => !line.startsWith('took over the spool folder'))).toEqual([]);
    second.close();
  });

  it('moves a dead letter to dead-letter/ with its reason, recovers it as such, and revives it', async () => {
    const { spool, directory } = spoolIn();
    const batch = spool.open(meta(id('d')));
    batch.append('"x"\n');
    const reason = { at: 5, code: 'NoSuchBucket', message: 'gone', attempts: 9, firstFailureAt: 1 };
    batch.deadLetter(reason);
    expect(fs.readdirSync(path.join(directory, 'dead-letter')).sort()).toEqual([`${id('d')}.meta.json`, `${id('d')}.ndjson`, `${id('d')}.reason.json`].sort());
    spool.close();
    const { spool: next } = spoolIn('never', directory);
    const [found] = next.recover();
    expect(found?.deadLetter).toEqual(reason);
    found?.batch.revive();
    expect(fs.readdirSync(path.join(directory, 'dead-letter'))).toEqual([]);
    expect(await text(found?.batch.contents() ?? [])).toBe('"x"\n');
    next.close();
  });

  describe('unreadable files', () => {
    it.each([
      ['an empty meta file', '', 'it is empty'],
      ['a torn meta file', '{"destination":"s3","rou', 'it is not valid JSON'],
      ['a meta file of another shape', '{"destination":"s3"}', 'it is not a batch\'s meta: "routeId" is not a non-empty string'],
    ])('moves %s and its records to quarantine/ with a reason, logs where, and delivers every other batch', async (_, content, problem) => {
      const { spool: first, directory } = spoolIn();
      first.open(meta(id('1'), 1_000)).append('"bad"\n');
      first.open(meta(id('2'), 2_000)).append('"good"\n');
      killed(first, directory);
      fs.writeFileSync(path.join(directory, 'batches', `${id('1')}.meta.json`), content);

      const { spool: second, logger, clock } = spoolIn('never', directory);
      await clock.advance(7);
      const found = second.recover();
      expect(await Promise.all(found.map(async (f) => [f.meta.identifier, await text(f.batch.contents())]))).toEqual([[id('2'), '"good"\n']]);
      const quarantine = path.join(directory, 'quarantine');
      expect(fs.readdirSync(quarantine).sort()).toEqual([`${id('1')}.meta.json`, `${id('1')}.ndjson`, `${id('1')}.reason.json`]);
      expect(fs.readFileSync(path.join(quarantine, `${id('1')}.ndjson`), 'utf8')).toBe('"bad"\n');
      expect(fs.readFileSync(path.join(quarantine, `${id('1')}.meta.json`), 'utf8')).toBe(content);
      const reason = JSON.parse(fs.readFileSync(path.join(quarantine, `${id('1')}.reason.json`), 'utf8')) as { at: number; problem: string };
      expect(reason.at).toBe(7);
      expect(reason.problem).toContain(`The meta file ${path.join(directory, 'batches', `${id('1')}.meta.json`)} cannot be used: ${problem}`);
      expect(logger.at('error').join('\n')).toContain(`${path.join(directory, 'batches', `${id('1')}.ndjson`)} -> ${path.join(quarantine, `${id('1')}.ndjson`)}`);
      second.close();
    });

    it('moves records whose meta file is missing to quarantine/ and logs it', () => {
      const { spool: first, directory } = spoolIn();
      first.open(meta(id('3'))).append('"orphan"\n');
      killed(first, directory);
      fs.rmSync(path.join(directory, 'batches', `${id('3')}.meta.json`));

      const { spool: second, logger } = spoolIn('never', directory);
      expect(second.recover()).toEqual([]);
      expect(fs.readdirSync(path.join(directory, 'batches'))).toEqual([]);
      expect(fs.readFileSync(path.join(directory, 'quarantine', `${id('3')}.ndjson`), 'utf8')).toBe('"orphan"\n');
      expect(logger.at('error').join('\n')).toContain('have no meta file');
      second.close();
    });
  });
});
