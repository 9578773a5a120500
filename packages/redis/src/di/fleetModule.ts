import { ContainerModule } from 'inversify';
import { INTAKE } from '@sluice/core';
import { type FleetOptionsInput, parseFleetOptions } from '../config.js';
import { RedisIntake } from '../intake/RedisIntake.js';
import { FLEET, FLEET_OPTIONS } from './tokens.js';

/**
 * Switches a sluice into fleet mode: send() appends to Redis Streams, and the flusher of
 * each shard (in this process or another) uploads one object per destination-window for the
 * whole fleet. Add it to `createSluice({ modules })` next to the destination modules, with the
 * same options in every process. Throws ValidationError for bad options.
 */
export function fleetModule(options: FleetOptionsInput): ContainerModule {
  const parsed = parseFleetOptions(options);
  return new ContainerModule(({ bind }) => {
    bind(FLEET_OPTIONS).toConstantValue(parsed);
    bind(RedisIntake).toSelf().inSingletonScope();
    bind(INTAKE).toService(RedisIntake);
    bind(FLEET).toService(RedisIntake);
  });
}
