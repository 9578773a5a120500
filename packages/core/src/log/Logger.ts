/** Structured fields of a log event. Sluice never puts credentials in them. */
export type LogFields = Record<string, unknown>;

/**
 * Where Sluice reports what it does. Default: {@link JsonLogger} at level `warn` on stderr.
 * Bind your own to the LOGGER token: pino through {@link pinoLogger}, winston through
 * {@link winstonLogger} (pino takes its fields first and would drop them otherwise).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
