import type { ServiceIdentifier } from 'inversify';
import type { Batcher } from '../batch/Batcher.js';
import type { EventTime } from '../batch/EventTime.js';
import type { Destination } from '../destination/Destination.js';
import type { KeyFormatter } from '../key/KeyFormatter.js';
import type { Intake } from '../intake/Intake.js';
import type { DeliveryLedger } from '../ledger/DeliveryLedger.js';
import type { Logger } from '../log/Logger.js';
import type { Serializer } from '../serialization/Serializer.js';
import type { Spool } from '../spool/Spool.js';
import type { Clock } from '../time/Clock.js';
import type { Uploader } from '../upload/Uploader.js';
import type { SluiceOptions } from '../config.js';

// Symbol.for, not Symbol(): two copies of @sluice/core in one application still agree on
// the tokens, so a binding made through one copy is found through the other.
export const CLOCK = Symbol.for('@sluice/core:Clock') as ServiceIdentifier<Clock>;
export const BATCHER = Symbol.for('@sluice/core:Batcher') as ServiceIdentifier<Batcher>;
/** Optional: which time events are batched by (default: the time send() accepted them). */
export const EVENT_TIME = Symbol.for('@sluice/core:EventTime') as ServiceIdentifier<EventTime>;
export const SPOOL = Symbol.for('@sluice/core:Spool') as ServiceIdentifier<Spool>;
export const LEDGER = Symbol.for('@sluice/core:DeliveryLedger') as ServiceIdentifier<DeliveryLedger>;
export const LOGGER = Symbol.for('@sluice/core:Logger') as ServiceIdentifier<Logger>;
/** Multi-bound: every binding is one destination of the sluice. */
export const DESTINATION = Symbol.for('@sluice/core:Destination') as ServiceIdentifier<Destination>;
export const SERIALIZER = Symbol.for('@sluice/core:Serializer') as ServiceIdentifier<Serializer>;
export const KEY_FORMATTER = Symbol.for('@sluice/core:KeyFormatter') as ServiceIdentifier<KeyFormatter>;
export const UPLOADER = Symbol.for('@sluice/core:Uploader') as ServiceIdentifier<Uploader>;
export const SLUICE_OPTIONS = Symbol.for('@sluice/core:SluiceOptions') as ServiceIdentifier<SluiceOptions>;
/** Optional: where accepted records go instead of this process's own batches (fleet mode). */
export const INTAKE = Symbol.for('@sluice/core:Intake') as ServiceIdentifier<Intake>;
