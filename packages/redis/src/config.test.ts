import { describe, expect, it } from 'vitest';
import { parseFleetOptions } from './config.js';
import { redactedUrl } from './redis/FleetRedis.js';
import { shardOf } from './producer/shardOf.js';

describe('fleetModule() options', () => {
  it('fills in the defaults', () => {
    expect(parseFleetOptions({ url: 'redis://127.0.0.1:6379' })).toMatchObject({
      role: 'both',
      shards: 16,
      keyPrefix: 'sluice',
      appendIntervalMs: 100,
      leaseMs: 5_000,
      graceMs: 2_000,
      maxBacklogBytes: 268_435_456,
    });
  });

  it('rejects a URL that is not redis:// with a code, the field and the fix', () => {
    expect(() => parseFleetOptions({ url: 'http://127.0.0.1:6379' })).toThrow(expect.objectContaining({ code: 'SLUICE_INVALID' }) as Error);
    expect(() => parseFleetOptions({ url: 'http://127.0.0.1:6379' })).toThrow(/url[\s\S]*redis:\/\/127\.0\.0\.1:6379/);
    expect(() => parseFleetOptions({ url: 'redis://h:1', shards: 0 })).toThrow(/shards/);
  });

  it('refuses a URL with a password without showing the password, and keeps an accepted URL as given', () => {
    let message = '';
    try {
      parseFleetOptions({ url: 'http://app:hunter2@redis.internal:6379' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/url/);
    expect(message).not.toContain('hunter2');
    expect(parseFleetOptions({ url: 'rediss://app:s3cr%40t@redis.internal:6380/2' }).url).toBe('rediss://app:s3cr%40t@redis.internal:6380/2');
  });

  it('never shows a password of the URL', () => {
    expect(redactedUrl('redis://app:s3cr%40t@redis.internal:6380/2')).toBe('redis://app:***@redis.internal:6380/2');
    expect(redactedUrl('redis://redis.internal:6379')).toBe('redis://redis.internal:6379');
  });

  it('hashes a route to the same shard in every process', () => {
    expect(shardOf('s3', 's3://bucket/clicks/', 16)).toBe(shardOf('s3', 's3://bucket/clicks/', 16));
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf('s3', `s3://bucket/p${i}/`, 16)));
    expect(shards.size).toBe(16);
  });
});
