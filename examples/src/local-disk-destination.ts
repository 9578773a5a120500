// A destination of your own: NDJSON files on local disk, one per stream and minute. It is a
// plain object with the four parts every destination has (serializer, key formatter,
// uploader, and the routing of `send` parameters to a target); core does the rest: validation
// of the parameters against its schema, batching, retries, delivery receipts, shutdown.
//   npm run build && node examples/dist/local-disk-destination.js
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ContainerModule } from 'inversify';
import { DESTINATION, createSluice, type BatchInfo, type Destination, type KeyFormatter, type Serializer, type UploadRequest, type UploadResult, type Uploader } from '@sluice/core';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { check } from './support/check.js';

interface DiskTarget {
  readonly directory: string;
  readonly stream: string;
}

// `sluice.send.disk({ stream, payload })`, typed.
declare module '@sluice/core' {
  interface DestinationParamsMap {
    disk: { stream: string };
  }
}

/** NDJSON, uncompressed: one JSON line per payload. */
class NdjsonSerializer implements Serializer {
  readonly extension = 'ndjson';
  readonly contentType = 'application/x-ndjson';
  encode(payload: unknown): string {
    return `${JSON.stringify(payload)}\n`;
  }
  serialize(body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Readable {
    return Readable.from(body);
  }
}

/** `<stream>/YYYY-MM-DD/HH-MM-<identifier>.ndjson`: a pure function of the batch, so a retry rewrites the same file. */
class DailyFolderKeyFormatter implements KeyFormatter<DiskTarget> {
  format(batch: BatchInfo<DiskTarget>, extension: string): string {
    const at = new Date(batch.openedAt).toISOString();
    return `${batch.target.stream}/${at.slice(0, 10)}/${at.slice(11, 13)}-${at.slice(14, 16)}-${batch.identifier}.${extension}`;
  }
}

/** Writes beside the final name and renames, so a failed write never leaves a half file under it. */
class DiskUploader implements Uploader<DiskTarget> {
  async upload({ batch, key, body }: UploadRequest<DiskTarget>): Promise<UploadResult> {
    const file = path.join(batch.target.directory, key);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const partial = `${file}.partial`;
    await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, file);
    return { location: `file://${file}`, bytes: (await stat(file)).size, parts: 1, alreadyExisted: false };
  }
}

function diskModule(directory: string): ContainerModule {
  const disk: Destination<{ stream: string }, DiskTarget> = {
    name: 'disk',
    paramsSchema: {
      properties: { stream: { type: 'string', pattern: '^[a-z0-9-]+$', description: 'Folder under the directory.' } },
      required: ['stream'],
    },
    route: ({ stream }) => ({ id: `disk:${stream}`, target: { directory, stream } }),
    serializer: new NdjsonSerializer(),
    keyFormatter: new DailyFolderKeyFormatter(),
    uploader: new DiskUploader(),
  };
  return new ContainerModule(({ bind }) => {
    bind(DESTINATION).toConstantValue(disk);
  });
}

const directory = await mkdtemp(path.join(tmpdir(), 'sluice-example-disk-'));
try {
  const sluice = createSluice({ modules: [minuteBatcherModule(), diskModule(directory)] });
  const receipts = [];
  for (let i = 0; i < 40; i += 1) receipts.push(sluice.send.disk({ stream: i % 2 === 0 ? 'audit' : 'clicks', payload: { n: i } }));
  let rejected = '';
  try {
    sluice.send.disk({ stream: 'Not A Folder', payload: {} });
  } catch (error) {
    rejected = (error as Error).message;
  }
  await sluice.close();
  const reports = await Promise.all(receipts.map((receipt) => receipt.delivered));

  const files = (await readdir(directory, { recursive: true })).filter((file) => file.endsWith('.ndjson')).sort();
  const lines = (await Promise.all(files.map((file) => readFile(path.join(directory, file), 'utf8')))).flatMap((text) => text.split('\n').filter((line) => line !== ''));
  check(rejected.includes('stream'), `a stream name outside the schema is refused, naming the field (got "${rejected}")`);
  check(files.every((file) => /^(audit|clicks)\/\d{4}-\d{2}-\d{2}\/\d{2}-\d{2}-[0-9a-f]{64}\.ndjson$/.test(file)), `file names ${files.join(', ')}`);
  check(lines.length === 40 && new Set(lines).size === 40, `40 events sent, ${lines.length} lines on disk`);
  check(reports.every((report) => files.includes(report.key)), 'every receipt names a file on disk');
  process.stdout.write(`local-disk-destination: 40 events in ${files.length} files: ${files.join(', ')}\n`);
} finally {
  await rm(directory, { recursive: true, force: true });
}
