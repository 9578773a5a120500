import { spawnSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startS3Server, type TestRedis, type TestS3Server } from '@sluice/test-support';
import { persistedIds, readBucket, startFleetProcess, waitUntil, windowsWrittenTwice } from '../test-support/fleet.js';

const SHARDS = 6;
const WINDOW_MS = 2_000;

describe('fleet mode on a Redis Cluster', () => {
  let s3: TestS3Server;
  const masters: TestRedis[] = [];
  let cluster: Cluster;
  beforeAll(async () => {
    s3 = await startS3Server(['fleet']);
    for (let i = 0; i < 3; i += 1) masters.push(await startRedis({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'] }));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...masters.map((m) => `127.0.0.1:${m.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitUntil('the cluster is ok on every master', () => masters.every((m) => m.cli('cluster', 'info').includes('cluster_state:ok')), 60_000);
    // ioredis gives a slots refresh 1 s by default, and fails the test's reads with "Failed to
    // refresh slots cache" when a loaded machine takes longer.
    cluster = new Cluster([{ host: '127.0.0.1', port: masters[0]?.port as number }], { slotsRefreshTimeout: 10_000 });
  });
  afterAll(async () => {
    cluster.disconnect();
    for (const m of masters) await m.close();
    await s3.close();
  });

  it('writes each route-window once with every persisted event once, its shards spread over three masters', async () => {
    const common = { url: `redis://127.0.0.1:${masters[0]?.port}`, cluster: true, endpoint: s3.endpoint, shards: SHARDS, windowMs: WINDOW_MS, graceMs: 3_000 };
    const flushers = [0, 1].map(() => startFleetProcess({ ...common, role: 'flusher' }));
    try {
      await Promise.all(flushers.map((f) => f.waitForLine((line) => line === 'ready')));
      const producers = [0, 1].map((index) => startFleetProcess({ ...common, role: 'producer', producer: { name: `p${index}`, events: 10_000, routes: 10 } }));
      for (const result of await Promise.all(producers.map((p) => p.exited))) expect(result.code, result.stderr).toBe(0);
      const persisted = producers.flatMap(persistedIds);
      expect(persisted).toHaveLength(20_000);
      const logs = [...Array(SHARDS).keys()].map((shard) => `{sluice:${shard}}:log`);
      await waitUntil('the streams are delivered and trimmed', async () => (await Promise.all(logs.map((log) => cluster.xlen(log)))).every((n) => n === 0));
      const contents = await readBucket(s3, 'fleet', WINDOW_MS);
      const { seen } = contents;
      expect(persisted.filter((id) => seen.get(id) !== 1)).toEqual([]);
      expect(seen.size).toBe(persisted.length);
      expect(windowsWrittenTwice(contents, flushers)).toEqual([]);
      // The shards' hash tags put them on more than one master.
      const slots = logs.map((log) => Number(masters[0]?.cli('cluster', 'keyslot', log)));
      const owners = new Set(slots.map((slot) => masters.findIndex((m) => m.cli('cluster', 'countkeysinslot', String(slot)) !== '0')));
      expect(owners.size).toBeGreaterThan(1);
    } finally {
      for (const f of flushers) f.child.kill('SIGKILL');
    }
  });
});
