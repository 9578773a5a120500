import type { FleetStats } from '../flusher/FleetStats.js';

/** What a process in fleet mode can tell about its part in the fleet (`container.get(FLEET)`). */
export interface Fleet {
  /** What this process's flusher has done so far (a copy). */
  stats(): FleetStats;
  /** The shards this process owns now. */
  ownedShards(): number[];
  /** The Redis this fleet shares, its password redacted. */
  readonly url: string;
}
