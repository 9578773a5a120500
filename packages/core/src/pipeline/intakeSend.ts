import type { Intake, IntakeContext } from '../intake/Intake.js';
import { IntakeReceipt } from '../intake/IntakeReceipt.js';
import type { Logger } from '../log/Logger.js';
import type { Receipt } from '../send/Receipt.js';
import type { Clock } from '../time/Clock.js';
import type { Route } from '../destination/Destination.js';
import type { DestinationRegistry, RegisteredDestination } from './DestinationRegistry.js';

/** What an intake is started with: every destination and its batching rule. */
export function intakeContext(registry: DestinationRegistry, clock: Clock, logger: Logger): IntakeContext {
  const destinations = registry.names().map((name) => registry.get(name));
  return { destinations: destinations.map(({ destination, batcher }) => ({ destination, batcher })), clock, logger };
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
