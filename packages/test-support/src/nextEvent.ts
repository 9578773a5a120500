import type { Sluice, SluiceEvents } from '@sluice/core';

/** Resolves with the next `event` the sluice emits. */
export function nextEvent<E extends keyof SluiceEvents>(sluice: Sluice, event: E): Promise<SluiceEvents[E][0]> {
  return new Promise((resolve) => {
    const listener = (value: SluiceEvents[E][0]): void => {
      sluice.off(event, listener as never);
      resolve(value);
    };
    sluice.on(event, listener as never);
  });
}
