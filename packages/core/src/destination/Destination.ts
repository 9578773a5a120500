import type { SchemaObject } from 'ajv';
import type { Batcher } from '../batch/Batcher.js';
import type { EventTime } from '../batch/EventTime.js';
import type { KeyFormatter } from '../key/KeyFormatter.js';
import type { Serializer } from '../serialization/Serializer.js';
import type { Uploader } from '../upload/Uploader.js';

/** Where a batch goes: `id` partitions batching, `target` is handed to the key formatter and uploader. */
export interface Route<Target = unknown> {
  /** Canonical and stable, e.g. `s3://bucket/prefix/`: equal ids share batches. */
  readonly id: string;
  readonly target: Target;
}

/**
 * A place events are delivered to, composed of the plug points. The pipeline validates the
 * parameters, encodes payloads with `serializer`, batches per `route().id` with `batcher`
 * (or the sluice's Batcher), names objects with `keyFormatter` and writes them with `uploader`.
 *
 * Bind instances to the DESTINATION token (one binding per destination); `name` becomes
 * `sluice.send[name]`.
 */
export interface Destination<Params extends object = object, Target = unknown> {
  /** The key under `sluice.send`, e.g. `s3`. Unique within a sluice. */
  readonly name: string;
  /**
   * JSON schema of the destination's own parameters (an object schema with `properties`).
   * The sluice adds `payload` (required) and `id` (optional) and compiles it once.
   */
  readonly paramsSchema: SchemaObject;
  /** Maps validated parameters to their route. Called on every send: keep it cheap. */
  route(params: Params): Route<Target>;
  readonly serializer: Serializer;
  readonly keyFormatter: KeyFormatter<Target>;
  readonly uploader: Uploader<Target>;
  /** This destination's batching rule. Default: the sluice's BATCHER binding. */
  readonly batcher?: Batcher;
  /** Which time this destination batches events by. Default: the sluice's EVENT_TIME binding, else the accept time. */
  readonly eventTime?: EventTime;
  /**
   * Releases what the destination itself holds. Called once by `sluice.close()`, before its
   * parts' own `close()` (uploader, serializer).
   */
  close?(): void | Promise<void>;
}
