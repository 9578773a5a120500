/**
 * The metrics Sluice records, in the `sluice.` namespace (OpenTelemetry's semantic conventions
 * define none for this kind of pipeline) and with UCUM units. Attributes: `sluice.destination`
 * (the destination's name) on all but the process-wide ones, and `error.type` (the
 * destination's error code, the semantic conventions' attribute) on failures.
 */
export const METRICS = {
  eventsAccepted: { name: 'sluice.events.accepted', unit: '{event}', description: 'Events send() accepted.' },
  eventsDelivered: { name: 'sluice.events.delivered', unit: '{event}', description: 'Events in objects stored.' },
  batchesDelivered: { name: 'sluice.batches.delivered', unit: '{batch}', description: 'Objects stored, one per delivered batch.' },
  recordBytes: {
    name: 'sluice.delivery.records.size',
    unit: 'By',
    description: 'Bytes of the records in delivered batches, before serialization and compression.',
  },
  objectBytes: {
    name: 'sluice.delivery.objects.size',
    unit: 'By',
    description: 'Bytes of the objects stored, after serialization and compression.',
  },
  batchDuration: {
    name: 'sluice.batch.duration',
    unit: 's',
    description: "Time from a batch's first event (accept time, or event time with an EventTime extractor) to its object stored.",
  },
  retries: {
    name: 'sluice.delivery.retries',
    unit: '{attempt}',
    description: 'Failed delivery attempts; each batch is retried with backoff.',
  },
  deadLetters: { name: 'sluice.dead_letters', unit: '{batch}', description: 'Batches moved to the dead letters after deadLetterAfterMs of failures.' },
  deadLetterEvents: { name: 'sluice.dead_letters.events', unit: '{event}', description: 'Events in batches moved to the dead letters.' },
  pendingBytes: {
    name: 'sluice.pending.size',
    unit: 'By',
    description: 'Bytes of records accepted and not yet delivered (what maxPendingBytes bounds).',
  },
} as const;

/** Attribute naming the destination, e.g. `s3`. */
export const DESTINATION_ATTRIBUTE = 'sluice.destination';
/** The semantic conventions' attribute for the class of an error; here the destination's error code. */
export const ERROR_TYPE_ATTRIBUTE = 'error.type';
/** Whether the failed attempt's error was retryable soon. */
export const RETRYABLE_ATTRIBUTE = 'sluice.retryable';

/**
 * Buckets of sluice.batch.duration, in seconds: batches of minute windows are stored from a
 * few seconds to a little over a minute after their first event; longer means retries.
 */
export const BATCH_DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 75, 90, 120, 180, 300, 600, 1800, 3600];
