import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '@sluice/core/testing';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '@sluice/test-support';
import { Collector } from '../src/collector/Collector.js';
import { parseCollectorConfig, type CollectorConfigInput } from '../src/config.js';

export const BUCKET = 'collector-test';

/** A collector on 127.0.0.1 (free port) in front of s3rver, on a manual clock, with a file spool in a temp folder. */
export interface TestCollector {
  readonly collector: Collector;
  readonly clock: ManualClock;
  readonly s3: TestS3Server;
  readonly spoolDirectory: string;
  readonly url: string;
  /** POSTs a body to /v1/events; `type` is the content type. */
  post(body: string | Uint8Array, type?: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  get(route: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }>;
  /** Every line of every object in the bucket, parsed. */
  lines(): Promise<unknown[]>;
  /** The objects in the bucket, decompressed, in key order, as text. */
  objectsText(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestCollector(config: CollectorConfigInput = {}, s3?: TestS3Server): Promise<TestCollector> {
  const server = s3 ?? (await startS3Server([BUCKET]));
  const spoolDirectory = await mkdtemp(path.join(tmpdir(), 'sluice-cli-spool-'));
  const clock = new ManualClock('2024-02-29T10:00:05Z');
  const collector = await Collector.start(
    parseCollectorConfig({
      ...config,
      listen: { host: '127.0.0.1', port: 0 },
      spool: { directory: spoolDirectory, ...config.spool },
      s3: { endpoint: server.endpoint, forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS }, ...config.s3 },
      sluice: { logLevel: 'silent', healthLogIntervalMs: 0, ...config.sluice },
    }),
    { clock },
  );
  const { gunzipSync } = await import('node:zlib');
  return {
    collector,
    clock,
    s3: server,
    spoolDirectory,
    url: collector.url,
    async post(body, type = 'application/json', headers = {}) {
      const response = await fetch(`${collector.url}/v1/events`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    },
    async get(route, headers = {}) {
      const response = await fetch(`${collector.url}${route}`, { headers });
      return { status: response.status, headers: response.headers, text: await response.text() };
    },
    async lines() {
      const lines: unknown[] = [];
      for (const key of await server.keys(BUCKET)) {
        const { body } = await server.get(BUCKET, key);
        for (const line of gunzipSync(body).toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      }
      return lines;
    },
    async objectsText() {
      let text = '';
      for (const key of (await server.keys(BUCKET)).sort()) text += gunzipSync((await server.get(BUCKET, key)).body).toString('utf8');
      return text;
    },
    async close() {
      await collector.close(5_000);
      if (!s3) await server.close();
      await rm(spoolDirectory, { recursive: true, force: true });
    },
  };
}
