import { ContainerModule } from 'inversify';
import type { Batcher } from '../src/batch/Batcher.js';
import type { SluiceOptionsInput } from '../src/config.js';
import { createSluice } from '../src/createSluice.js';
import { BATCHER, CLOCK, DESTINATION, INTAKE, LOGGER, SPOOL } from '../src/di/tokens.js';
import type { Intake } from '../src/intake/Intake.js';
import type { Logger } from '../src/log/Logger.js';
import type { Spool } from '../src/spool/Spool.js';
import { ManualClock } from '../src/testing/ManualClock.js';
import { RecordingDestination } from '../src/testing/RecordingDestination.js';

/** One-minute windows, optionally capped by event count: the shape of the minute batcher. */
export function minuteRule(maxEvents = Infinity): Batcher {
  return {
    windowOf: (now) => ({ start: now - (now % 60_000), end: now - (now % 60_000) + 60_000 }),
    wouldOverflow: (fill) => fill.events + 1 > maxEvents,
  };
}

export interface RecordingSluiceOptions {
  readonly maxEvents?: number;
  readonly destinations?: RecordingDestination[];
  readonly spool?: Spool;
  readonly logger?: Logger;
  /** An intake (fleet mode): accepted records go to it instead of local batches. */
  readonly intake?: Intake;
  readonly sluice?: SluiceOptionsInput;
}

/**
 * A quiet sluice on a manual clock (2024-05-25T16:14:58Z) over recording destinations, minute
 * windows, and fixed retry delays; `send(stream, payload, id?)` sends to the first destination.
 */
export function recordingSluice(options: RecordingSluiceOptions = {}) {
  const clock = new ManualClock('2024-05-25T16:14:58.000Z');
  const destinations = options.destinations ?? [new RecordingDestination()];
  const sluice = createSluice({
    drainOnExit: false,
    logLevel: 'silent',
    producerId: 'test-producer',
    deadLetterAfterMs: 3_600_000,
    retry: { initialDelayMs: 1_000, maxDelayMs: 8_000, permanentErrorDelayMs: 300_000 },
    ...options.sluice,
    modules: [
      new ContainerModule(({ bind }) => {
        bind(CLOCK).toConstantValue(clock);
        bind(BATCHER).toConstantValue(minuteRule(options.maxEvents));
        if (options.spool) bind(SPOOL).toConstantValue(options.spool);
        if (options.logger) bind(LOGGER).toConstantValue(options.logger);
        if (options.intake) bind(INTAKE).toConstantValue(options.intake);
        for (const destination of destinations) bind(DESTINATION).toConstantValue(destination);
      }),
    ],
  });
  const [destination] = destinations as [RecordingDestination];
  const send = (stream: string, payload: unknown, id?: string) =>
    sluice.sendTo(destination.name, id ? { stream, payload, id } : { stream, payload });
  return { clock, sluice, destination, send };
}

/** A logger that keeps every line, for asserting what was logged. */
export function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> | undefined }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void =>
      void lines.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}
