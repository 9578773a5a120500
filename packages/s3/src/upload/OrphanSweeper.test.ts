import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { JsonLogger } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { parseS3Options } from '../config.js';
import { InFlightUploads } from './InFlightUploads.js';
import { OrphanSweeper } from './OrphanSweeper.js';

const HOUR = 3_600_000;

/** A client that answers every listing with no uploads and records what it was asked. */
function listingClient() {
  const listings: Array<{ Prefix?: string; signal: AbortSignal | undefined }> = [];
  const client = {
    send: async (command: { input: { Prefix?: string } }, options?: { abortSignal?: AbortSignal }) => {
      listings.push({ Prefix: command.input.Prefix, signal: options?.abortSignal });
      return { Uploads: [], IsTruncated: false };
    },
  } as unknown as S3Client;
  return { client, listings };
}

function sweeper(clock: ManualClock) {
  const options = parseS3Options({ orphanSweepIntervalMs: HOUR, orphanUploadAgeMs: HOUR });
  return new OrphanSweeper(options, clock, new JsonLogger('silent'), new InFlightUploads());
}

describe('OrphanSweeper', () => {
  it('lists once per bucket and interval, under the longest prefix common to the prefixes written', async () => {
    const clock = new ManualClock('2024-01-01T00:00:00Z');
    const orphans = sweeper(clock);
    const { client, listings } = listingClient();
    orphans.noteWrite(client, 'b', 'app/web');
    await orphans.idle();
    for (let i = 0; i < 500; i += 1) orphans.noteWrite(client, 'b', `app/p${i}`);
    await clock.advance(HOUR);
    orphans.noteWrite(client, 'b', 'app/web');
    await orphans.idle();
    expect(listings.map((l) => l.Prefix)).toEqual(['app/web/', 'app/']);
  });

  it('forgets prefixes unwritten for an interval plus the orphan age, so its state stays bounded', async () => {
    const clock = new ManualClock('2024-01-01T00:00:00Z');
    const orphans = sweeper(clock);
    const { client } = listingClient();
    for (let i = 0; i < 1_000; i += 1) orphans.noteWrite(client, 'b', `old/p${i}`);
    await orphans.idle();
    expect(orphans.rememberedPrefixes).toBe(1_000);
    await clock.advance(2 * HOUR);
    orphans.noteWrite(client, 'b', 'new');
    await orphans.idle();
    expect(orphans.rememberedPrefixes).toBe(1);
  });

  it('passes an abort signal to its requests, aborts it on close, and sweeps no more afterwards', async () => {
    const clock = new ManualClock('2024-01-01T00:00:00Z');
    const orphans = sweeper(clock);
    const { client, listings } = listingClient();
    orphans.noteWrite(client, 'b', 'p');
    await orphans.close();
    expect(listings[0]?.signal?.aborted).toBe(true);
    await clock.advance(2 * HOUR);
    orphans.noteWrite(client, 'b', 'p');
    expect(await orphans.abortStale(client, 'b', 'p/key')).toBe(0);
    expect(listings).toHaveLength(1);
    await orphans.close();
  });
});
