import { Cluster, Redis } from 'ioredis';
import { SluiceError } from '@sluice/core';
import { ACQUIRE, APPEND, COMMIT, DEAD, MEMBERS, RELEASE, RENEW, REPLAY, SEAL } from './scripts.js';

type ScriptCall = (...args: (string | number | Buffer)[]) => Promise<unknown>;
type Scripted = Record<'sluiceAppend' | 'sluiceAcquire' | 'sluiceRenew' | 'sluiceRelease' | 'sluiceSeal' | 'sluiceCommit' | 'sluiceMembers' | 'sluiceDead' | 'sluiceReplay', ScriptCall>;

/** A stream entry as read: its id and fields (values as bytes). */
export interface StreamEntry {
  readonly id: string;
  readonly fields: ReadonlyMap<string, Buffer>;
}

/** `url` as it may be shown: the password replaced, so no error or log ever carries it. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/**
 * The one connection (or Cluster client) of a process in fleet mode, and the scripts it runs.
 * ioredis: commands wait in its queue while Redis is away (no per-request retry limit) and are
 * sent again after a reconnect, which the append script makes harmless; auto-pipelining puts
 * the small commands of one tick of the event loop into one round trip per node.
 */
export class FleetRedis {
  readonly client: Redis | Cluster;
  readonly url: string;
  #everReady = false;
  #startError: SluiceError | undefined;

  constructor(url: string, cluster: boolean) {
    this.url = redactedUrl(url);
    const parsed = new URL(url);
    // An append is one large command per shard, written as is: pipelining it with others
    // would only copy its bytes once more into a joint buffer.
    const autoPipeliningIgnoredCommands = ['sluiceAppend'];
    const common = {
      maxRetriesPerRequest: null,
      enableAutoPipelining: true,
      autoPipeliningIgnoredCommands,
      retryStrategy: (times: number) => Math.min(50 * times, 1_000),
    };
    this.client = cluster
      ? new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
          enableAutoPipelining: true,
          autoPipeliningIgnoredCommands,
          clusterRetryStrategy: common.retryStrategy,
          // ioredis's default of 1 s for a CLUSTER SLOTS answer is short for a busy host; a
          // first refresh that times out would report the cluster unreachable and refuse events.
          slotsRefreshTimeout: 5_000,
          redisOptions: {
            maxRetriesPerRequest: null,
            ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
            ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
            ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
          },
        })
      : new Redis(url, common);
    this.client.on('ready', () => {
      this.#everReady = true;
      this.#startError = undefined;
    });
    // Without a listener ioredis prints every failed attempt; the state is kept here instead.
    this.client.on('error', (error: Error) => {
      if (this.#everReady) return;
      this.#startError = new SluiceError(
        'SLUICE_REDIS_UNREACHABLE',
        `Fleet mode could not reach Redis at ${this.url} (${error.message.replaceAll(parsed.password || '\u0000', '***')}). Check that it runs and that the url option of fleetModule() points to it; the sluice keeps trying, and events accepted so far are kept until it answers.`,
      );
    });
    const define = (name: keyof Scripted, numberOfKeys: number, lua: string): void => this.client.defineCommand(name, { numberOfKeys, lua });
    define('sluiceAppend', 3, APPEND);
    define('sluiceAcquire', 2, ACQUIRE);
    define('sluiceRenew', 1, RENEW);
    define('sluiceRelease', 1, RELEASE);
    define('sluiceSeal', 2, SEAL);
    define('sluiceCommit', 5, COMMIT);
    define('sluiceMembers', 1, MEMBERS);
    define('sluiceDead', 4, DEAD);
    define('sluiceReplay', 2, REPLAY);
  }

  /** Set while Redis has never answered and the last attempt to reach it failed. */
  get startError(): SluiceError | undefined {
    return this.#startError;
  }

  get scripts(): Scripted {
    return this.client as unknown as Scripted;
  }

  async read(log: string, start: string, count: number): Promise<StreamEntry[]> {
    const raw = await this.client.xrangeBuffer(log, start, '+', 'COUNT', count);
    return raw.map(([id, values]) => {
      const fields = new Map<string, Buffer>();
      for (let i = 0; i + 1 < values.length; i += 2) fields.set((values[i] as Buffer).toString('latin1'), values[i + 1] as Buffer);
      return { id: id.toString('latin1'), fields };
    });
  }

  /** Closes the connection; commands still waiting fail. Safe to call twice. */
  close(): void {
    this.client.disconnect();
  }
}
