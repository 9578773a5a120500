import type { SluiceOptions } from '../config.js';
import { BackpressureError } from '../errors/BackpressureError.js';
import { SluiceError } from '../errors/SluiceError.js';
import { SpoolError } from '../errors/SpoolError.js';
import type { Intake, IntakeContext } from '../intake/Intake.js';
import { IntakeReceipt } from '../intake/IntakeReceipt.js';
import type { Receipt } from '../send/Receipt.js';
import type { RefusedSend, SendManyResult } from '../send/SendManyResult.js';
import type { Clock } from '../time/Clock.js';
import type { Route } from '../destination/Destination.js';
import type { DestinationRegistry, RegisteredDestination } from './DestinationRegistry.js';

/** What an intake is started with: every destination and its batching rule, the spool, the retry policy and the sluice's events. */
export function intakeContext(
  registry: DestinationRegistry,
  parts: Pick<IntakeContext, 'clock' | 'logger' | 'spool' | 'emit'>,
  options: Pick<SluiceOptions, 'retry' | 'deadLetterAfterMs' | 'forgetIdleRoutesAfterMs'>,
): IntakeContext {
  const destinations = registry.names().map((name) => registry.get(name));
  return {
    destinations: destinations.map(({ destination, batcher }) => ({ destination, batcher })),
    ...parts,
    retry: options.retry,
    deadLetterAfterMs: options.deadLetterAfterMs,
    forgetIdleRoutesAfterMs: options.forgetIdleRoutesAfterMs,
  };
}

/** Hands an accepted, encoded record to the intake, with its time and window decided here as for a local batch. */
export function sendToIntake(intake: Intake, entry: RegisteredDestination, route: Route, record: string, payload: unknown, clock: Clock, id: string): Receipt {
  const now = clock.now();
  const time = entry.eventTime ? Math.min(entry.eventTime.timeOf(payload, now), now) : now;
  const whenPersisted = intake.accept({
    destination: entry.destination.name,
    routeId: route.id,
    target: route.target,
    record,
    time,
    window: entry.batcher.windowOf(time),
  });
  return new IntakeReceipt(id, whenPersisted);
}

/**
 * sendMany through an intake: item by item, since an intake already gathers records into
 * chunks per route. Same answer as the local path: an item the destination refuses is left
 * out alone; backpressure or a failing intake stops the call at that item.
 */
export function sendManyToIntake(items: readonly unknown[], sendOne: (params: unknown) => Receipt): SendManyResult {
  const ids: string[] = [];
  const refused: RefusedSend[] = [];
  for (const [index, params] of items.entries()) {
    try {
      ids.push(sendOne(params).id);
    } catch (error) {
      if (error instanceof BackpressureError || error instanceof SpoolError) return { ids, refused, stopped: { index, error } };
      if (error instanceof SluiceError) refused.push({ index, error });
      else throw error;
    }
  }
  return { ids, refused };
}
