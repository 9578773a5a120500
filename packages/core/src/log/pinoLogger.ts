import type { LogFields, Logger } from './Logger.js';

/** A pino log method: fields first, then the message (pino's `logger.info(obj, msg)`). */
export type PinoLogMethod = (fields: object, message: string) => void;

/** What Sluice needs of a pino logger (or a child of one); pino itself is not a dependency. */
export interface PinoLike {
  debug: PinoLogMethod;
  info: PinoLogMethod;
  warn: PinoLogMethod;
  error: PinoLogMethod;
}

/**
 * Adapts a pino logger to Sluice's Logger. Pino takes `(fields, message)`; given Sluice's
 * `(message, fields)` as they are, it would treat the fields as printf arguments of a message
 * without placeholders and drop them. Level filtering, redaction and transports stay pino's.
 *
 * @example bind(LOGGER).toConstantValue(pinoLogger(pino()))
 */
export function pinoLogger(pino: PinoLike): Logger {
  return {
    debug: (message: string, fields?: LogFields) => pino.debug(fields ?? {}, message),
    info: (message: string, fields?: LogFields) => pino.info(fields ?? {}, message),
    warn: (message: string, fields?: LogFields) => pino.warn(fields ?? {}, message),
    error: (message: string, fields?: LogFields) => pino.error(fields ?? {}, message),
  };
}
