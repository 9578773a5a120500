import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Container, ContainerModule } from 'inversify';
import type { Redis } from 'ioredis';
import { CLOCK, createSluice, type CreateSluiceOptions, type Sluice } from '@sluice/core';
import type { ManualClock } from '@sluice/core/testing';
import { s3Module, type S3OptionsInput } from '@sluice/s3';
import { S3RVER_CREDENTIALS, type TestS3Server } from '@sluice/test-support';
import { fleetModule } from '../src/di/fleetModule.js';
import { FLEET } from '../src/di/tokens.js';
import type { Fleet } from '../src/intake/Fleet.js';

// Runs on the packages' build (dist), as an application would: `npm test` builds first.
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fleetProcess.mjs');

export interface FleetProcessConfig {
  readonly url: string;
  readonly endpoint: string;
  readonly role: 'both' | 'producer' | 'flusher';
  readonly shards?: number;
  readonly windowMs?: number;
  readonly leaseMs?: number;
  readonly graceMs?: number;
  readonly cluster?: boolean;
  readonly appendIntervalMs?: number;
  readonly appendChunkBytes?: number;
  /** A folder: a file spool sits in front of Redis. */
  readonly spool?: string;
  readonly maxBacklogBytes?: number;
  readonly maxBufferedBytes?: number;
  readonly producer?: {
    readonly name: string;
    readonly events: number;
    readonly routes: number;
    readonly perFlush?: number;
    readonly pad?: number;
    /** Incompressible padding (random base64), so objects are large enough for multipart uploads. */
    readonly random?: boolean;
    /** Pause 5 ms every this many events (0: never), so the producer runs for a while. */
    readonly pauseEvery?: number;
    /** With `spool`: this many events more, printed as send() returns; then "spooled", and the process waits to be killed. */
    readonly spooled?: number;
  };
}

export interface FleetProcess {
  readonly child: ChildProcess;
  /** Lines printed so far (ids persisted, "ready", "done", "backpressure"). */
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once a line matching `match` was printed (already or later). */
  waitForLine(match: (line: string) => boolean): Promise<string>;
}

export function startFleetProcess(config: FleetProcessConfig): FleetProcess {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  let rest = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    const parts = (rest + d.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters) {
        if (!waiter.match(line)) continue;
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    child,
    lines,
    exited,
    waitForLine(match) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.add({ match, resolve });
        void exited.then(({ code, signal, stderr: err }) => reject(new Error(`fleet process exited (${code ?? signal}) before the line came: ${err}`)));
      });
    },
  };
}

/** Checks `condition` until it holds, every `everyMs`; throws with `what` after `deadlineMs`. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = 180_000, everyMs = 100): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await pause(everyMs);
  }
}

/** True once each of the `shards` streams is empty: everything appended was delivered and trimmed. */
export async function drained(redis: Pick<Redis, 'xlen'>, shards: number): Promise<boolean> {
  for (let shard = 0; shard < shards; shard += 1) if ((await redis.xlen(`{sluice:${shard}}:log`)) > 0) return false;
  return true;
}

export interface BucketContents {
  /** How many times each event id is in the bucket. */
  readonly seen: Map<string, number>;
  /** Objects per route and window (prefix + window index from the key's time). */
  readonly objectsPerWindow: Map<string, number>;
  /** The keys of each route-window's objects. */
  readonly keysPerWindow: Map<string, string[]>;
  readonly keys: string[];
}

/** Reads every object of the bucket back (tests may; Sluice never does). */
export async function readBucket(s3: TestS3Server, bucket: string, windowMs: number): Promise<BucketContents> {
  const keys = await s3.keys(bucket);
  const seen = new Map<string, number>();
  const objectsPerWindow = new Map<string, number>();
  const keysPerWindow = new Map<string, string[]>();
  for (const key of keys) {
    const match = /^(.*)\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9a-f]{64}\.gz$/.exec(key);
    if (!match) throw new Error(`unexpected key ${key}`);
    const [, prefix, y, mo, d, h, mi, s] = match;
    const at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    const slot = `${prefix}@${Math.floor(at / windowMs)}`;
    objectsPerWindow.set(slot, (objectsPerWindow.get(slot) ?? 0) + 1);
    keysPerWindow.set(slot, [...(keysPerWindow.get(slot) ?? []), key]);
    const text = gunzipSync((await s3.get(bucket, key)).body).toString('utf8');
    for (const line of text.trimEnd().split('\n')) {
      const { id } = JSON.parse(line) as { id: string };
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  return { seen, objectsPerWindow, keysPerWindow, keys };
}

/**
 * Route-windows with more than one object of their own: one owner writes a window once.
 * Besides it, a window may hold late objects, of records appended after it was sealed (a
 * producer held back past graceMs on a busy machine); the flushers print their keys, and a
 * new owner writes the same late batch under the same key, so a killed one's are printed too.
 */
export function windowsWrittenTwice(contents: BucketContents, flushers: readonly FleetProcess[]): Array<[string, string[]]> {
  const late = new Set(flushers.flatMap((f) => f.lines.filter((line) => line.startsWith('late ')).map((line) => line.slice('late '.length))));
  return [...contents.keysPerWindow].filter(([, keys]) => keys.filter((key) => !late.has(key)).length > 1);
}

/** The ids a producer printed as persisted. */
export function persistedIds(process: FleetProcess): string[] {
  return process.lines.filter((line) => /^[a-z]\w*-\d+$/.test(line));
}

/** The fleet process's stats, asked for with SIGUSR2. */
export async function statsOf(process: FleetProcess): Promise<Record<string, number>> {
  const before = process.lines.length;
  const line = process.waitForLine((l) => l.startsWith('stats ') && process.lines.indexOf(l) >= before);
  process.child.kill('SIGUSR2');
  return JSON.parse((await line).slice('stats '.length)) as Record<string, number>;
}

export interface ClockedFleetOptions {
  readonly s3Endpoint: string;
  readonly redisUrl: string;
  readonly shards: number;
  readonly clock: ManualClock;
  /** Sluice options beside the tests' own (silent, no signal handlers). */
  readonly sluice?: Omit<CreateSluiceOptions, 'modules' | 'container'>;
  /** s3Module options beside the endpoint, path-style addressing and the test server's credentials. */
  readonly s3?: S3OptionsInput;
  /** Modules loaded after the clock and before the S3 module: a batcher with caps, an event-time rule. */
  readonly modules?: readonly ContainerModule[];
}

/**
 * A sluice in fleet mode within the test process, on the injected clock: producer and flusher
 * of every shard at once, with a grace of 5 s, leases of 2 s and a 20 ms poll.
 */
export function clockedFleetSluice(options: ClockedFleetOptions): { sluice: Sluice; fleet: Fleet } {
  const container = new Container();
  const sluice = createSluice({
    logLevel: 'silent',
    handleSignals: false,
    ...options.sluice,
    container,
    modules: [
      new ContainerModule(({ bind }) => {
        bind(CLOCK).toConstantValue(options.clock);
      }),
      ...(options.modules ?? []),
      s3Module({ endpoint: options.s3Endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, ...options.s3 }),
      fleetModule({ url: options.redisUrl, shards: options.shards, graceMs: 5_000, leaseMs: 2_000, pollIntervalMs: 20 }),
    ],
  });
  return { sluice, fleet: container.get(FLEET) };
}
