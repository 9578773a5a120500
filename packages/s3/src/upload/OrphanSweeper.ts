import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { inject, injectable } from 'inversify';
import { CLOCK, LOGGER, type Clock, type Logger } from '@sluice/core';
import type { S3Options } from '../config.js';
import { S3_OPTIONS } from '../di/tokens.js';
import { InFlightUploads, type InFlightUploadsView } from './InFlightUploads.js';

/**
 * The shape of a key TimePathKeyFormatter writes, capturing the prefix before it:
 * `PREFIX/YYYY/MM/DD/HH/YYYY-MM-DD-HH-MM-SS-<64 hex>.EXT`. Only uploads of such keys, under
 * a prefix this process writes to, are ever swept: never another application's uploads.
 */
const TIME_PATH_KEY = /^(?:(.+)\/)?\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{64}\.[^/]+$/;

/** At most this many prefixes are remembered per bucket; the least recently written go first. */
const MAX_PREFIXES_PER_BUCKET = 10_000;

interface BucketState {
  /** Prefixes written to (normalized, no slashes at the ends; '' for none), by last write time, oldest first. */
  readonly prefixes: Map<string, number>;
  lastSweepAt?: number;
  sweeping: boolean;
}

/**
 * Finds multipart uploads that no live upload owns (left by a crash, a killed server or a
 * failed abort) and aborts them, so their parts do not accrue storage charges. Uses only
 * ListBucketMultipartUploads and AbortMultipartUpload.
 *
 * One listing per bucket per `orphanSweepIntervalMs`, whatever the number of prefixes: the
 * listing's Prefix is the longest common prefix of the prefixes written to, and an upload is
 * aborted only if it is older than `orphanUploadAgeMs`, not in flight here, and its key has
 * the time-path shape under a prefix this process wrote to. A prefix is remembered until it
 * has gone unwritten for `orphanSweepIntervalMs + orphanUploadAgeMs` (long enough for what
 * its last upload may have left to come of age and be swept), and at most 10,000 per bucket.
 */
@injectable()
export class OrphanSweeper {
  readonly #buckets = new Map<string, BucketState>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #closer = new AbortController();
  #lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(
    @inject(S3_OPTIONS) private readonly options: S3Options,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(InFlightUploads) private readonly inFlight: InFlightUploadsView,
  ) {}

  /** How many prefixes are remembered, over all buckets. */
  get rememberedPrefixes(): number {
    let count = 0;
    for (const state of this.#buckets.values()) count += state.prefixes.size;
    return count;
  }

  /**
   * Records a write under `prefix` in `bucket`, and starts a sweep of the bucket if none ran
   * there for `orphanSweepIntervalMs` (the first at the first write). Never throws: a failed
   * sweep is logged and tried again at the next interval. Does nothing once closed.
   */
  noteWrite(client: S3Client, bucket: string, prefix: string): void {
    if (this.#closer.signal.aborted) return;
    const now = this.clock.now();
    let state = this.#buckets.get(bucket);
    if (!state) this.#buckets.set(bucket, (state = { prefixes: new Map(), sweeping: false }));
    // Re-inserted so the map stays ordered by last write, oldest first.
    state.prefixes.delete(prefix);
    state.prefixes.set(prefix, now);
    if (state.prefixes.size > MAX_PREFIXES_PER_BUCKET) state.prefixes.delete(state.prefixes.keys().next().value as string);
    if (now - this.#lastPruneAt >= this.options.orphanSweepIntervalMs) this.#prune(now);
    if (state.sweeping || (state.lastSweepAt !== undefined && now - state.lastSweepAt < this.options.orphanSweepIntervalMs)) return;
    state.lastSweepAt = now;
    state.sweeping = true;
    const sweep = this.sweep(client, bucket)
      .catch((error: unknown) => {
        if (!this.#closer.signal.aborted) {
          this.logger.warn('could not sweep orphaned multipart uploads; will try again later', { bucket, error: String(error) });
        }
      })
      .finally(() => {
        state.sweeping = false;
        this.#running.delete(sweep);
      });
    this.#running.add(sweep);
  }

  /**
   * Sweeps `bucket` now: one listing (paged), then aborts the orphans it finds among the
   * prefixes written to. Returns how many it aborted. Throws what S3 throws.
   */
  async sweep(client: S3Client, bucket: string): Promise<number> {
    const state = this.#buckets.get(bucket);
    if (!state || state.prefixes.size === 0) return 0;
    const prefixes = state.prefixes;
    const cutoff = this.options.orphanUploadAgeMs === 0 ? Number.POSITIVE_INFINITY : this.clock.now() - this.options.orphanUploadAgeMs;
    const isOurs = (key: string): boolean => {
      const match = TIME_PATH_KEY.exec(key);
      return match !== null && prefixes.has(match[1] ?? '');
    };
    return this.#abortListed(client, bucket, longestCommonPrefix([...prefixes.keys()]), this.#closer.signal, (key, initiated) => {
      return isOurs(key) && initiated <= cutoff;
    });
  }

  /**
   * Aborts every upload of exactly `key` not in flight here, of any age: called before a
   * retried or recovered batch is uploaded again, since its earlier attempt (or a process
   * that died) may have left one. Never throws: a server without ListMultipartUploads must
   * not keep a batch from being delivered; the periodic sweep catches what this misses.
   */
  async abortStale(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<number> {
    if (this.#closer.signal.aborted) return 0;
    const abortSignal = signal ? AbortSignal.any([this.#closer.signal, signal]) : this.#closer.signal;
    const work = this.#abortListed(client, bucket, key, abortSignal, (candidate) => candidate === key);
    this.#running.add(work);
    try {
      return await work;
    } catch (error) {
      if (!abortSignal.aborted) {
        this.logger.warn('could not look for a stale multipart upload of this key; uploading anyway', { bucket, key, error: String(error) });
      }
      return 0;
    } finally {
      this.#running.delete(work);
    }
  }

  /** Resolves once no sweep or stale-upload lookup is running. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /**
   * Aborts the requests of sweeps under way, waits for them to end, and starts no more:
   * nothing of the sweeper keeps the process alive afterwards. Safe to call twice.
   */
  async close(): Promise<void> {
    this.#closer.abort(new Error('orphan sweeper closed'));
    await this.idle();
    this.#buckets.clear();
  }

  async #abortListed(
    client: S3Client,
    bucket: string,
    prefix: string,
    abortSignal: AbortSignal,
    isOrphan: (key: string, initiated: number) => boolean,
  ): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        { abortSignal },
      );
      for (const upload of page.Uploads ?? []) {
        const key = upload.Key ?? '';
        if (this.inFlight.has(bucket, key) || !isOrphan(key, upload.Initiated?.getTime() ?? 0)) continue;
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }), { abortSignal });
        aborted += 1;
        this.logger.info('aborted an orphaned multipart upload', { bucket, key, initiated: upload.Initiated?.toISOString() });
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Forgets prefixes unwritten for an interval plus the orphan age, and buckets left with none. */
  #prune(now: number): void {
    this.#lastPruneAt = now;
    const keepFor = this.options.orphanSweepIntervalMs + this.options.orphanUploadAgeMs;
    for (const [bucket, state] of this.#buckets) {
      for (const [prefix, writtenAt] of state.prefixes) {
        // Oldest first: the first one young enough ends the scan.
        if (now - writtenAt < keepFor) break;
        state.prefixes.delete(prefix);
      }
      if (state.prefixes.size === 0 && !state.sweeping) this.#buckets.delete(bucket);
    }
  }
}

/** The longest string every key under one of `prefixes` starts with ('' if one is the bucket's root). */
function longestCommonPrefix(prefixes: readonly string[]): string {
  const roots = prefixes.map((prefix) => (prefix ? `${prefix}/` : ''));
  let common = roots[0] ?? '';
  for (const root of roots) {
    let i = 0;
    while (i < common.length && i < root.length && common[i] === root[i]) i += 1;
    common = common.slice(0, i);
    if (common === '') break;
  }
  return common;
}
