import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { inject, injectable } from 'inversify';
import { CLOCK, LOGGER, type Clock, type Logger } from '@sluice/core';
import type { S3Options } from '../config.js';
import { S3_OPTIONS } from '../di/tokens.js';

/**
 * Finds multipart uploads that no live batch owns and aborts them, so parts left by a crash
 * or a failed abort do not accrue storage charges. Uses only ListBucketMultipartUploads and
 * AbortMultipartUpload. Never touches an upload in flight in this process.
 */
@injectable()
export class OrphanSweeper {
  readonly #lastSweep = new Map<string, number>();
  /** Keys being uploaded by this process right now. */
  readonly inFlight = new Set<string>();

  constructor(
    @inject(S3_OPTIONS) private readonly options: S3Options,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Sweeps `bucket` under `prefix` if the last sweep there is older than the interval; never
   * throws (a failure is logged and retried at the next interval).
   */
  maybeSweep(client: S3Client, bucket: string, prefix: string): void {
    const route = `${bucket}/${prefix}`;
    const now = this.clock.now();
    const last = this.#lastSweep.get(route);
    if (last !== undefined && now - last < this.options.orphanSweepIntervalMs) return;
    this.#lastSweep.set(route, now);
    void this.sweep(client, bucket, prefix ? `${prefix}/` : '', this.options.orphanUploadAgeMs).catch((error: unknown) =>
      this.logger.warn('could not sweep orphaned multipart uploads; will try again later', { bucket, prefix, error: String(error) }),
    );
  }

  /**
   * Aborts every upload of exactly `key`: called before retrying a batch whose earlier attempt
   * may have left one. Never throws: a server without ListMultipartUploads must not keep a
   * batch from being delivered; the periodic sweep catches what this misses.
   */
  async abortStale(client: S3Client, bucket: string, key: string): Promise<number> {
    try {
      return await this.sweep(client, bucket, key, 0, (candidate) => candidate === key);
    } catch (error) {
      this.logger.warn('could not look for a stale multipart upload of this key; uploading anyway', { bucket, key, error: String(error) });
      return 0;
    }
  }

  /** Aborts uploads under `prefix` older than `olderThanMs` (0: of any age) that are not in flight here; returns how many. */
  async sweep(client: S3Client, bucket: string, prefix: string, olderThanMs: number, match: (key: string) => boolean = () => true): Promise<number> {
    const cutoff = olderThanMs <= 0 ? Number.POSITIVE_INFINITY : this.clock.now() - olderThanMs;
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const upload of page.Uploads ?? []) {
        const key = upload.Key ?? '';
        if (!match(key) || this.inFlight.has(key)) continue;
        if ((upload.Initiated?.getTime() ?? 0) > cutoff) continue;
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }));
        aborted += 1;
        this.logger.info('aborted an orphaned multipart upload', { bucket, key, initiated: upload.Initiated?.toISOString() });
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }
}
