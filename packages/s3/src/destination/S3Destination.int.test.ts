import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { startS3Server, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';

const KEY = /^(?:(.+)\/)?(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-([0-9a-f]{64})\.gz$/;

describe('send.s3() against a real S3 server', () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server(['events', 'other-bucket']);
  });
  afterAll(() => s3.close());

  const sluiceAt = (start: string) => testSluice(s3.endpoint, { clock: new ManualClock(start) });

  async function linesOf(bucket: string, key: string): Promise<unknown[]> {
    const { body } = await s3.get(bucket, key);
    const text = gunzipSync(body).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as unknown);
  }

  it('writes one gzip NDJSON object per bucket, prefix and UTC minute, with keys in the documented layout', async () => {
    const { clock, sluice } = sluiceAt('2024-03-10T23:58:30.250Z');
    const delivered: DeliveredEvent[] = [];
    sluice.on('delivered', (e) => delivered.push(e));
    const sent = new Map<string, unknown[]>();
    const send = (bucket: string, prefix: string, payload: unknown) => {
      sluice.send.s3({ bucket, prefix, payload });
      const route = `${bucket}|${prefix.replace(/^\/|\/$/g, '')}|${new Date(clock.now()).toISOString().slice(0, 16)}`;
      sent.set(route, [...(sent.get(route) ?? []), payload]);
    };
    // Three minutes across midnight, two prefixes, two buckets, events every 7 s.
    for (let i = 0; i < 26; i += 1) {
      send('events', 'app/web/', { i, kind: 'web', at: clock.now() });
      if (i % 2 === 0) send('events', 'app/worker', { i, kind: 'worker', nested: { list: [i, String(i)], ok: i % 4 === 0 } });
      if (i % 5 === 0) send('other-bucket', '', `line ${i}\nwith a newline`);
      await clock.advance(7_000);
    }
    await sluice.close();

    // One object per (bucket, prefix, minute) that had events, and no more.
    expect(delivered).toHaveLength(sent.size);
    const keys = [...(await s3.keys('events')), ...(await s3.keys('other-bucket'))];
    expect(keys).toHaveLength(sent.size);
    for (const event of delivered) {
      const [bucket, ...rest] = event.location.replace('s3://', '').split('/');
      const key = rest.join('/');
      const match = KEY.exec(key);
      expect(match, key).not.toBeNull();
      const [, prefix = '', yyyy, mm, dd, hh, fy, fm, fd, fh, mi] = match as unknown as string[];
      expect([fy, fm, fd, fh]).toEqual([yyyy, mm, dd, hh]);
      const route = `${bucket}|${prefix}|${yyyy}-${mm}-${dd}T${hh}:${mi}`;
      expect(await linesOf(bucket as string, key)).toEqual(sent.get(route));
      const object = await s3.get(bucket as string, key);
      expect(object.contentType).toBe('application/gzip');
    }
    // The first minute's key carries the time of its first event, in UTC.
    expect(keys.some((k) => k.startsWith('app/web/2024/03/10/23/2024-03-10-23-58-30-'))).toBe(true);
    expect(keys.some((k) => k.startsWith('app/web/2024/03/11/00/2024-03-11-00-00-'))).toBe(true);
    expect((await s3.keys('other-bucket')).every((k) => k.startsWith('2024/'))).toBe(true);
  });

  it('resolves each receipt with its object key and counts the delivery in the ledger', async () => {
    const { sluice } = sluiceAt('2024-06-01T12:00:00Z');
    const receipts = [1, 2, 3].map((n) => sluice.send.s3({ bucket: 'events', prefix: 'receipts', payload: { n } }));
    expect(receipts.map((r) => sluice.deliveredCount(r.id))).toEqual([0, 0, 0]);
    await sluice.flush();
    const reports = await Promise.all(receipts.map((r) => r.delivered));
    expect(new Set(reports.map((r) => r.key)).size).toBe(1);
    expect(await s3.keys('events', 'receipts/')).toEqual([reports[0]?.key]);
    expect(receipts.map((r) => sluice.deliveredCount(r.id))).toEqual([1, 1, 1]);
    await sluice.close();
  });
});
