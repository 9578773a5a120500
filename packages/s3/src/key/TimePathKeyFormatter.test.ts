import { describe, expect, it } from 'vitest';
import type { BatchInfo } from '@sluice/core';
import type { S3Target } from '../destination/S3Target.js';
import { TimePathKeyFormatter } from './TimePathKeyFormatter.js';

const identifier = '8f25b54462bf6eeac3ee8bde512b6c59654c454356e808167a01c43ebe4ee919';

function batch(openedAt: string, prefix: string): BatchInfo<S3Target> {
  const at = Date.parse(openedAt);
  return {
    identity: { routeId: 'r', windowStart: at - (at % 60_000), sequence: 0, producerId: 'p', incarnation: 'i' },
    identifier,
    openedAt: at,
    window: { start: at - (at % 60_000), end: at - (at % 60_000) + 60_000 },
    target: { bucket: 'b', prefix },
    events: 1,
    bytes: 1,
  };
}

describe('TimePathKeyFormatter', () => {
  const formatter = new TimePathKeyFormatter();

  it('writes the documented example key', () => {
    expect(formatter.format(batch('2019-05-25T16:14:58.734Z', 'test'), 'gz')).toBe(
      `test/2019/05/25/16/2019-05-25-16-14-58-${identifier}.gz`,
    );
  });

  it('starts at YYYY/ for the bucket root and keeps nested prefixes', () => {
    expect(formatter.format(batch('2024-01-02T03:04:05Z', ''), 'gz')).toBe(`2024/01/02/03/2024-01-02-03-04-05-${identifier}.gz`);
    expect(formatter.format(batch('2024-01-02T03:04:05Z', 'a/b=1'), 'gz')).toMatch(/^a\/b=1\/2024\/01\/02\/03\//);
  });

  it('uses UTC whatever the process time zone, with folders agreeing with the name', () => {
    const key = formatter.format(batch('2023-12-31T23:59:59.999Z', 'p'), 'gz');
    const match = /^p\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-([0-9a-f]{64})\.gz$/.exec(key);
    expect(match?.slice(1, 5)).toEqual(['2023', '12', '31', '23']);
    expect(match?.slice(5, 9)).toEqual(match?.slice(1, 5));
    expect(match?.slice(9, 11)).toEqual(['59', '59']);
  });
});
