import type { DeadLetter, DeliveredEvent, RouteHealth } from '@sluice/core';

/** What the metrics read from the sluice at scrape time. */
export interface MetricsSource {
  readonly pendingBytes: number;
  health(): RouteHealth[];
  deadLetters(): DeadLetter[];
}

type Counter = { name: string; help: string; value: number };

/**
 * The collector's Prometheus counters. It owns the counts of what happened (accepted,
 * rejected, delivered, retries); the gauges (pending, dead letters) are read from the sluice
 * when scraped, so they are never stale.
 */
export class Metrics {
  readonly #accepted: Counter = { name: 'sluice_events_accepted_total', help: 'Events answered with 202.', value: 0 };
  readonly #deliveredEvents: Counter = { name: 'sluice_events_delivered_total', help: 'Events in objects stored.', value: 0 };
  readonly #deliveredBytes: Counter = { name: 'sluice_delivered_bytes_total', help: 'Bytes of objects stored (compressed).', value: 0 };
  readonly #batches: Counter = { name: 'sluice_batches_delivered_total', help: 'Objects stored.', value: 0 };
  readonly #retries: Counter = { name: 'sluice_delivery_retries_total', help: 'Failed delivery attempts (each is retried).', value: 0 };
  readonly #deadLettered: Counter = { name: 'sluice_dead_letters_total', help: 'Batches moved to the dead letters.', value: 0 };
  readonly #receivedBytes: Counter = { name: 'sluice_http_received_bytes_total', help: 'Bytes of accepted request bodies.', value: 0 };
  readonly #rejected = new Map<string, number>();
  readonly #requests = new Map<string, number>();

  constructor(private readonly source: MetricsSource) {}

  accepted(events: number, bytes: number): void {
    this.#accepted.value += events;
    this.#receivedBytes.value += bytes;
  }

  /** Events refused, by reason (invalid, too_large, backpressure, unauthorized, ...). */
  rejected(reason: string, events: number): void {
    this.#rejected.set(reason, (this.#rejected.get(reason) ?? 0) + events);
  }

  /** One answered HTTP request, by status code. */
  request(status: number): void {
    const code = String(status);
    this.#requests.set(code, (this.#requests.get(code) ?? 0) + 1);
  }

  delivered(event: DeliveredEvent): void {
    this.#deliveredEvents.value += event.events;
    this.#deliveredBytes.value += event.bytes;
    this.#batches.value += 1;
  }

  retried(): void {
    this.#retries.value += 1;
  }

  deadLettered(): void {
    this.#deadLettered.value += 1;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines: string[] = [];
    const counter = ({ name, help, value }: Counter) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
    const gauge = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    counter(this.#accepted);
    lines.push('# HELP sluice_events_rejected_total Events refused, by reason.', '# TYPE sluice_events_rejected_total counter');
    for (const [reason, value] of this.#rejected) lines.push(`sluice_events_rejected_total{reason="${reason}"} ${value}`);
    counter(this.#deliveredEvents);
    counter(this.#deliveredBytes);
    counter(this.#batches);
    counter(this.#retries);
    counter(this.#deadLettered);
    counter(this.#receivedBytes);
    lines.push('# HELP sluice_http_requests_total HTTP requests answered, by status.', '# TYPE sluice_http_requests_total counter');
    for (const [code, value] of this.#requests) lines.push(`sluice_http_requests_total{code="${code}"} ${value}`);
    let pendingEvents = 0;
    let routes = 0;
    let oldest: number | undefined;
    for (const route of this.source.health()) {
      routes += 1;
      pendingEvents += route.pendingEvents;
      if (route.oldestPendingAt !== undefined) oldest = Math.min(oldest ?? route.oldestPendingAt, route.oldestPendingAt);
    }
    gauge('sluice_pending_bytes', 'Bytes accepted and not yet delivered.', this.source.pendingBytes);
    gauge('sluice_pending_events', 'Events accepted and not yet delivered.', pendingEvents);
    gauge('sluice_oldest_pending_timestamp_seconds', 'Accept time of the oldest undelivered event (0 when none).', oldest === undefined ? 0 : oldest / 1000);
    gauge('sluice_routes', 'Destination routes (bucket and prefix) known to health().', routes);
    gauge('sluice_dead_letters', 'Batches in the dead letters now.', this.source.deadLetters().length);
    return `${lines.join('\n')}\n`;
  }
}
