import type { LogFields, Logger } from './Logger.js';

/** One winston log entry: its level, its message and the fields beside them. */
export interface WinstonEntry {
  level: string;
  message: string;
  [field: string]: unknown;
}

/** What Sluice needs of a winston logger (or a child of one); winston itself is not a dependency. */
export interface WinstonLike {
  log(entry: WinstonEntry): unknown;
  /** The logger's levels by name; winston's syslog levels call "warn" `warning`. */
  readonly levels?: Record<string, number>;
}

/**
 * Adapts a winston logger to Sluice's Logger: each call becomes one entry object, so the
 * fields arrive as the entry's own properties. Passing `(message, fields)` to winston's
 * `logger.info` directly mostly works too, but reads `%s`-style tokens in the message as
 * format placeholders, appends a field named `message` to the message, and fails on a logger
 * with the syslog levels, which have no `warn`; the entry object avoids all three.
 *
 * @example bind(LOGGER).toConstantValue(winstonLogger(winston.createLogger({ transports })))
 */
export function winstonLogger(winston: WinstonLike): Logger {
  const warn = winston.levels && !('warn' in winston.levels) && 'warning' in winston.levels ? 'warning' : 'warn';
  const log = (level: string, message: string, fields?: LogFields): void => {
    winston.log({ ...fields, level, message });
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log(warn, message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}
