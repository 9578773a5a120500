import type { ServiceIdentifier } from 'inversify';
import type { FleetOptions } from '../config.js';
import type { Fleet } from '../intake/Fleet.js';

export const FLEET_OPTIONS = Symbol.for('@sluice/redis:FleetOptions') as ServiceIdentifier<FleetOptions>;
/** This process's part in the fleet: its `stats()` and `ownedShards()`. */
export const FLEET = Symbol.for('@sluice/redis:Fleet') as ServiceIdentifier<Fleet>;
