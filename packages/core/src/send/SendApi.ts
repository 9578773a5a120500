import type { Receipt } from './Receipt.js';

/**
 * The parameters of each installed destination, by name. Destination packages add to it
 * with declaration merging, which is how `sluice.send.s3` becomes typed once `@sluice/s3` is
 * imported:
 *
 * ```ts
 * declare module '@sluice/core' {
 *   interface DestinationParamsMap { s3: S3Params }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface DestinationParamsMap {}

/** What every `send` call takes besides the destination's own parameters. */
export interface CommonSendParams {
  /** The event: any JSON-serializable value. Encoded at once, so later mutation is harmless. */
  readonly payload: unknown;
  /**
   * The event id, to count one event sent to several destinations as one (the ledger's
   * delivered count). Default: a fresh id per call.
   */
  readonly id?: string;
}

export type SendParams<Name extends keyof DestinationParamsMap> = DestinationParamsMap[Name] & CommonSendParams;

/** `sluice.send.<destination>(params)`: validates, encodes and enqueues synchronously. */
export type SendApi = {
  readonly [Name in keyof DestinationParamsMap]: (params: SendParams<Name>) => Receipt;
};
