import type { ServiceIdentifier } from 'inversify';
import type { FleetOptions } from '../config.js';
import type { RedisIntake } from '../intake/RedisIntake.js';

export const FLEET_OPTIONS = Symbol.for('@sluice/redis:FleetOptions') as ServiceIdentifier<FleetOptions>;
/** The fleet intake itself, for its `stats()` and `ownedShards()`. */
export const FLEET = Symbol.for('@sluice/redis:Fleet') as ServiceIdentifier<RedisIntake>;
