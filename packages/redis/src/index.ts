export { fleetOptionsSchema, parseFleetOptions, type FleetOptions, type FleetOptionsInput } from './config.js';
export { fleetModule } from './di/fleetModule.js';
export { FLEET, FLEET_OPTIONS } from './di/tokens.js';
export type { FleetStats } from './flusher/FleetStats.js';
export { windowBatchIdentifier } from './flusher/windowBatchIdentifier.js';
export type { Fleet } from './intake/Fleet.js';
export { RedisIntake } from './intake/RedisIntake.js';
export { redactedUrl } from './redis/FleetRedis.js';
export { shardOf } from './producer/shardOf.js';
