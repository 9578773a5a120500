import type { Route } from '../destination/Destination.js';
import { BackpressureError } from '../errors/BackpressureError.js';
import { SluiceError } from '../errors/SluiceError.js';
import type { EventIds } from '../ids/EventIds.js';
import type { CommonSendParams } from '../send/SendApi.js';
import type { RefusedSend, SendManyResult } from '../send/SendManyResult.js';
import type { Clock } from '../time/Clock.js';
import { assertEventSize } from './assertEventSize.js';
import type { Batch } from './Batch.js';
import { asSpoolError, type BatchAssembler } from './BatchAssembler.js';
import { STREAM_RUN_BYTES, type BatchStreamer } from './BatchStreamer.js';
import type { DestinationRegistry, RegisteredDestination } from './DestinationRegistry.js';
import { PartialAppendError } from './PartialAppendError.js';
import type { PendingBytesGate } from './PendingBytesGate.js';

/** Records of one route gathered before they go to the spool in one append: bounds the copy. */
const GROUP_CHARS = 1024 * 1024;

export interface ManySenderParts {
  readonly registry: DestinationRegistry;
  readonly assembler: BatchAssembler;
  readonly gate: PendingBytesGate;
  readonly streamer: BatchStreamer;
  readonly ids: EventIds;
  readonly clock: Clock;
  readonly maxEventBytes: number;
}

/** Consecutive items bound for one open batch, not yet in the spool. */
interface Group {
  readonly batch: Batch;
  readonly routeId: string;
  readonly records: string[];
  readonly ids: Array<string | number>;
  /** Positions of the records in the items. */
  readonly indexes: number[];
  chars: number;
}

/**
 * `sendMany`: what `send` does per item (validation through the route cache, encoding, the
 * size limit, the pending-bytes gate), with the records of consecutive items bound for one
 * open batch handed to the spool in one `appendMany`: one write for a request's worth of
 * events to one route instead of one per event. Each such append is all or nothing.
 */
export class ManySender {
  readonly #parts: ManySenderParts;

  constructor(parts: ManySenderParts) {
    this.#parts = parts;
  }

  send(entry: RegisteredDestination, items: readonly unknown[]): SendManyResult {
    const { registry, assembler, gate, ids: eventIds, clock, maxEventBytes } = this.#parts;
    const ids: string[] = [];
    const refused: RefusedSend[] = [];
    let stopped: SendManyResult['stopped'];
    let group: Group | undefined;
    const commit = (): boolean => {
      if (!group) return true;
      const failedAt = this.#commit(group, ids);
      group = undefined;
      if (failedAt === undefined) return true;
      stopped = failedAt;
      return false;
    };
    for (let index = 0; index < items.length; index += 1) {
      const params = items[index];
      let route: Route;
      let record: string;
      let payload: unknown;
      let givenId: string | undefined;
      try {
        ({ payload, id: givenId } = (params ?? {}) as CommonSendParams);
        route = registry.route(entry, params, payload, givenId);
        record = entry.destination.serializer.encode(payload);
        assertEventSize(record, maxEventBytes);
      } catch (error) {
        if (!(error instanceof SluiceError)) {
          commit();
          throw error;
        }
        refused.push({ index, error });
        continue;
      }
      const fits = group !== undefined && group.routeId === route.id && this.#fits(group, entry, record.length, clock.now());
      try {
        // The group gathered so far is stored before or with this record either way.
        gate.admit((group?.chars ?? 0) + record.length);
      } catch (error) {
        if (!(error instanceof BackpressureError)) throw error;
        if (commit()) stopped = { index, error };
        break;
      }
      if (!fits || !group) {
        if (!commit()) break;
        let batch: Batch;
        try {
          batch = assembler.batchFor(entry, route, record.length, payload);
        } catch (error) {
          stopped = { index, error: asSpoolError(error, 'could not start a batch') };
          break;
        }
        group = { batch, routeId: route.id, records: [], ids: [], indexes: [], chars: 0 };
      }
      group.records.push(record);
      group.ids.push(givenId ?? eventIds.next());
      group.indexes.push(index);
      group.chars += record.length;
    }
    commit();
    return stopped ? { ids, refused, stopped } : { ids, refused };
  }

  /**
   * Whether one more record of `bytes` goes to the group's batch, as `batchFor` would decide
   * with the group already appended: still open, its window not over, no cap broken. With an
   * event-time extractor every event picks its own window, so groups hold one record.
   */
  #fits(group: Group, entry: RegisteredDestination, bytes: number, now: number): boolean {
    const { batch } = group;
    if (entry.eventTime || batch.state !== 'open' || now >= batch.window.end || group.chars >= GROUP_CHARS) return false;
    return !entry.batcher.wouldOverflow({ events: batch.events + group.records.length, bytes: batch.bytes + group.chars }, bytes);
  }

  /** Appends the group; on failure returns where the items stopped being accepted. */
  #commit(group: Group, ids: string[]): SendManyResult['stopped'] {
    const { gate, streamer, ids: eventIds } = this.#parts;
    const { batch } = group;
    let bytes: number;
    let stored = group.records.length;
    let failure: SendManyResult['stopped'];
    try {
      bytes = batch.appendMany(group.records, group.ids);
    } catch (error) {
      const partial = error instanceof PartialAppendError ? error : undefined;
      stored = partial?.appended ?? 0;
      bytes = partial?.bytes ?? 0;
      failure = { index: group.indexes[stored] as number, error: asSpoolError(partial ? partial.cause : error, 'could not store the events') };
    }
    if (stored > 0) {
      gate.add(bytes, batch);
      if (batch.untakenBytes >= STREAM_RUN_BYTES) streamer.nudge(batch);
    }
    for (let i = 0; i < stored; i += 1) {
      const id = group.ids[i] as string | number;
      ids.push(typeof id === 'string' ? id : eventIds.format(id));
    }
    return failure;
  }
}
