import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '@sluice/test-support';
import { main } from '../main.js';

async function run(argv: string[], isTTY = false) {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (t: string) => (stdout += t), isTTY, columns: 80 }, stderr: { write: (t: string) => (stderr += t) }, env: {}, cwd: process.cwd() };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A dead letter as a shard owner writes it (fields of packages/redis's DEAD script). */
function deadLetter(identifier: string, route: string, records: string): (string | number)[] {
  const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)\/$/.exec(route) ?? [];
  return [
    ...['d', 's3', 'r', route, 'g', JSON.stringify({ bucket, prefix }), 'w', 60_000, 'e', 120_000, 'a', 60_500, 'n', records.split('\n').length - 1, 'b', records],
    ...['i', identifier, 'k', `${prefix}/1970/01/01/00/1970-01-01-00-01-00-${'0'.repeat(64)}.gz`, 'l', 0],
    ...['c', 'NoSuchBucket', 'm', 'The specified bucket does not exist', 't', 90_000, 'f', 90_000, 'x', 1],
  ];
}

describe('sluice dead-letters and replay --redis', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeEach(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    redis.disconnect();
    await server.close();
  });

  it('lists the fleet dead letters one a line, exit 3, and replays each once into its shard stream', async () => {
    await redis.xadd('{sluice:0}:dead', '*', ...deadLetter('batch-a', 's3://gone/p/', '{"id":1}\n{"id":2}\n'));
    await redis.xadd('{sluice:3}:dead', '*', ...deadLetter('batch-b', 's3://gone/q\u001b[2J/', '{"id":3}\n'));
    const listed = await run(['dead-letters', '--redis', server.url, '--shards', '4']);
    expect(listed.code).toBe(3);
    const lines = listed.stdout.split('\n');
    expect(lines[0]).toBe(`2 dead letter(s) in the fleet at ${server.url}`);
    expect(lines[1]).toMatch(/^ {2}batch-a {2}s3:\/\/gone\/p\/ {2}18 bytes {2}NoSuchBucket: The specified bucket does not exist \(1 attempts, last 1970-01-01T00:01:30.000Z\) {2}shard 0, 2 events, key p\/1970\//);
    // A route's control characters are shown escaped, never sent to the terminal.
    expect(lines[2]).toContain('s3://gone/q\\u001b[2J/');
    expect(lines[3]).toBe(`Replay them with: sluice replay --redis ${server.url} --shards 4`);
    // With the default 16 shards, shard 3 is read too; a wrong --shards is a usage error.
    expect((await run(['dead-letters', '--redis', server.url])).stdout).toMatch(/^2 dead letter/);
    expect(await run(['dead-letters', '--redis', server.url, '--shards', 'x'])).toMatchObject({ code: 2 });
    expect(await run(['dead-letters', '--redis', server.url, '--spool', '.'])).toMatchObject({ code: 2 });

    expect(await run(['replay', '--redis', server.url, '--shards', '4', '--id', 'nope'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no dead letter nope/) });
    const replayed = await run(['replay', '--redis', server.url, '--shards', '4', '--id', 'batch-a']);
    expect(replayed).toMatchObject({ code: 0 });
    expect(replayed.stdout).toMatch(/^replayed batch-a {2}s3:\/\/gone\/p\/ {2}18 bytes\n1 dead letter\(s\) appended back/);
    const [[, fields]] = (await redis.xrange('{sluice:0}:log', '-', '+')) as [[string, string[]]];
    expect(fields).toEqual(['d', 's3', 'r', 's3://gone/p/', 'g', '{"bucket":"gone","prefix":"p"}', 'w', '60000', 'e', '120000', 'a', '60500', 'n', '2', 'b', '{"id":1}\n{"id":2}\n']);
    expect(await redis.xlen('{sluice:0}:dead')).toBe(0);
    const rest = await run(['replay', '--redis', server.url, '--shards', '4'], true);
    expect(rest.stdout).toMatch(/\r\[#+\] 1\/1 dead letters replayed\n/);
    expect(await redis.xlen('{sluice:3}:log')).toBe(1);
    expect(await redis.xlen('{sluice:0}:log')).toBe(1);
    expect(await run(['dead-letters', '--redis', server.url, '--shards', '4'])).toMatchObject({ code: 0, stdout: `0 dead letter(s) in the fleet at ${server.url}\n` });
  });

  it('exits 1 with the URL, password masked, when Redis cannot be reached', async () => {
    const url = `redis://:hunter2@127.0.0.1:${server.port}`;
    redis.disconnect();
    await server.close();
    const { code, stderr } = await run(['dead-letters', '--redis', url]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/SLUICE_REDIS_UNREACHABLE/);
    expect(stderr).not.toContain('hunter2');
    server = await startRedis();
  });
});
