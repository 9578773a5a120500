import { RawJson } from '../serialization/RawJson.js';
import type { EventTime } from './EventTime.js';

/**
 * Batches by a top-level field of the payload holding ms since the epoch or an ISO-8601
 * string (`new PayloadFieldEventTime('timestamp')`). A payload without the field, or with a
 * value that is not a time, is batched by its accept time. A {@link RawJson} payload is read
 * parsed.
 */
export class PayloadFieldEventTime implements EventTime {
  constructor(readonly field: string) {}

  timeOf(given: unknown, acceptedAt: number): number {
    const payload = given instanceof RawJson ? given.value() : given;
    if (payload === null || typeof payload !== 'object') return acceptedAt;
    const value = (payload as Record<string, unknown>)[this.field];
    const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
    return Number.isFinite(time) ? time : acceptedAt;
  }
}
