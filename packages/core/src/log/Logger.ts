/** Structured fields of a log event. Sluice never puts credentials in them. */
export type LogFields = Record<string, unknown>;

/**
 * Where Sluice reports what it does. Default: {@link JsonLogger} at level `warn` on stderr.
 * Bind your own (pino, winston) to the LOGGER token; the shape is pino-compatible in spirit:
 * a message and an object of fields.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
