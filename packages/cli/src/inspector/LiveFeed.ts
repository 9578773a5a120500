import type { ServerResponse } from 'node:http';
import type { RecentEvent, RecentEventView } from './RecentEvent.js';
import { viewOf } from './RecentEvent.js';

/** How often changes are sent: often enough to look live, rarely enough to cost nothing under load. */
const FLUSH_MS = 100;
const HEARTBEAT_MS = 15_000;
/** A page this far behind is dropped rather than buffered for. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * The inspector's server-sent events. A new client gets a `snapshot` of the ring; after that
 * the changes of each ~100 ms go out as one `changes` message, with at most a ring's worth of
 * new events, so a burst of a million events costs each client one message. A client that
 * falls more than 8 MiB behind is dropped; the page reconnects and starts from a
 * fresh snapshot. Timers are unref'd and run only while a client is connected.
 */
export class LiveFeed {
  readonly #clients = new Set<ServerResponse>();
  readonly #added = new Map<number, RecentEvent>();
  readonly #updated = new Map<number, RecentEvent>();
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  /**
   * @param snapshot the ring and the counters, for a new client.
   * @param stats the counters sent with every change.
   * @param capacity most new events one message carries.
   */
  constructor(
    private readonly snapshot: () => { events: RecentEventView[]; stats: unknown; capacity: number },
    private readonly stats: () => unknown,
    private readonly capacity: number,
  ) {}

  /** How many pages are connected. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Streams to `response` (headers already written) until it closes. */
  attach(response: ServerResponse): void {
    this.#clients.add(response);
    response.on('close', () => {
      this.#clients.delete(response);
      if (this.#clients.size === 0) this.#stop();
    });
    response.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(this.snapshot())}\n\n`);
    this.#heartbeat ??= setInterval(() => this.#broadcast(': heartbeat\n\n'), HEARTBEAT_MS).unref();
  }

  /** Queues events added to or changed in the ring. */
  changed(added: readonly RecentEvent[], updated: readonly RecentEvent[]): void {
    if (this.#clients.size === 0) return;
    for (const event of added) this.#added.set(event.seq, event);
    // Keep only the newest ring's worth: older ones are out of the ring already.
    if (this.#added.size > this.capacity * 2) {
      const keep = [...this.#added.entries()].slice(-this.capacity);
      this.#added.clear();
      for (const [seq, event] of keep) this.#added.set(seq, event);
    }
    for (const event of updated) if (!this.#added.has(event.seq)) this.#updated.set(event.seq, event);
    this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS).unref();
  }

  /** Ends every stream (at shutdown); safe to call twice. */
  close(): void {
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    this.#stop();
  }

  #flush(): void {
    this.#timer = undefined;
    const added = [...this.#added.values()].slice(-this.capacity).map(viewOf);
    const updated = [...this.#updated.values()].map(viewOf);
    this.#added.clear();
    this.#updated.clear();
    if (added.length + updated.length === 0) return;
    this.#broadcast(`event: changes\ndata: ${JSON.stringify({ added, updated, stats: this.stats() })}\n\n`);
  }

  #broadcast(message: string): void {
    for (const client of this.#clients) {
      if (client.writableLength > MAX_BUFFERED_BYTES) client.destroy();
      else client.write(message);
    }
  }

  #stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    this.#timer = undefined;
    this.#heartbeat = undefined;
    this.#added.clear();
    this.#updated.clear();
  }
}
