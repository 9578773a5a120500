import type { LogFields, Logger } from './Logger.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** One JSON object per line on a writable stream (stderr by default), at or above `level`. */
export class JsonLogger implements Logger {
  readonly #threshold: number;

  constructor(
    level: LogLevel = 'warn',
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    this.#threshold = LEVELS[level];
  }

  debug(message: string, fields?: LogFields): void {
    this.#log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#log('error', message, fields);
  }

  #log(level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void {
    if (LEVELS[level] < this.#threshold) return;
    this.write(`${JSON.stringify({ time: new Date().toISOString(), level, name: 'sluice', msg: message, ...fields })}\n`);
  }
}
