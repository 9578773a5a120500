import { s3ParamsSchema } from '@sluice/s3';

/**
 * One event as POST /v1/events takes it: the destination, its parameters, the payload and an
 * optional id. The S3 parameters are @sluice/s3's own schema, so the collector rejects
 * exactly what `send.s3()` would, before anything of the request is accepted.
 */
export const eventEnvelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['payload', ...s3ParamsSchema.required],
  properties: {
    destination: {
      type: 'string',
      enum: ['s3'],
      default: 's3',
      description: 'Where the event goes; "s3" is the destination the collector installs.',
    },
    id: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Event id, to count one event sent to several destinations as one (the Dest count). Default: a fresh id.',
    },
    payload: { description: 'The event: any JSON value. Required.' },
    ...s3ParamsSchema.properties,
  },
} as const;

/** An event that passed {@link eventEnvelopeSchema}. */
export interface EventEnvelope {
  readonly destination: 's3';
  readonly id?: string;
  readonly payload: unknown;
  readonly bucket: string;
  readonly prefix: string;
}
