import { compileValidator } from '@sluice/core';

/** Options of the file spool. */
export interface FileSpoolOptions {
  /** Folder of the spool; created if missing. One process per folder (a lock file enforces it). */
  readonly directory: string;
  /**
   * Every record is written to the file (write(2)) before send() returns, so a process crash or kill -9 loses
   * nothing in every mode. For power loss or a kernel crash: never = what the OS had not flushed yet is lost
   * (typically up to 30 s); interval = at most fsyncIntervalMs of events; always = nothing once send()
   * returned, at the cost of one fdatasync per event. Default: `"interval"`.
   */
  readonly fsync: 'never' | 'interval' | 'always';
  /** With fsync: 'interval', how often open batch files are flushed to the disk. Default: `1000`. */
  readonly fsyncIntervalMs: number;
}

export const fileSpoolOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['directory'],
  properties: {
    directory: {
      type: 'string',
      minLength: 1,
      description: 'Folder of the spool; created if missing. One process per folder (a lock file enforces it).',
      'x-fix': 'Give a writable folder, e.g. /var/lib/myapp/sluice, one per process.',
    },
    fsync: {
      type: 'string',
      enum: ['never', 'interval', 'always'],
      default: 'interval',
      description:
        'Every record is written to the file (write(2)) before send() returns, so a process crash or kill -9 loses nothing in every mode. For power loss or a kernel crash: never = what the OS had not flushed yet is lost (typically up to 30 s); interval = at most fsyncIntervalMs of events; always = nothing once send() returned, at the cost of one fdatasync per event.',
    },
    fsyncIntervalMs: {
      type: 'integer',
      minimum: 10,
      default: 1_000,
      description: "With fsync: 'interval', how often open batch files are flushed to the disk.",
    },
  },
} as const;

const validate = compileValidator<FileSpoolOptions>('fileSpoolModule() options', fileSpoolOptionsSchema);

export function parseFileSpoolOptions(input: Partial<FileSpoolOptions> & { directory: string }): FileSpoolOptions {
  return validate(structuredClone(input));
}
