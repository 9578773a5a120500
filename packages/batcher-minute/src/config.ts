import { compileValidator } from '@sluice/core';

/** Options of the minute batcher. Caps split a minute into several complete objects. */
export interface MinuteBatcherOptions {
  /**
   * Most events in one object; a full batch is sealed and the minute continues in a new one. 0 means no cap.
   * Default: `0`.
   */
  readonly maxEvents: number;
  /**
   * Most bytes of records (before compression) in one object; the batch is sealed before an event would cross
   * it. 0 means no cap. Default: `0`.
   */
  readonly maxBytes: number;
}

export const minuteBatcherOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxEvents: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'Most events in one object; a full batch is sealed and the minute continues in a new one. 0 means no cap.',
    },
    maxBytes: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description:
        'Most bytes of records (before compression) in one object; the batch is sealed before an event would cross it. 0 means no cap.',
    },
  },
} as const;

const validate = compileValidator<MinuteBatcherOptions>('minuteBatcherModule() options', minuteBatcherOptionsSchema);

export function parseMinuteBatcherOptions(input: Partial<MinuteBatcherOptions> = {}): MinuteBatcherOptions {
  return validate(structuredClone(input));
}
