import type { Sluice } from '@sluice/core';

/** Resolves once `events` more events were delivered (counted from the `delivered` events), never on a timer. */
export function waitForDelivered(sluice: Sluice, events: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = (event: { events: number }) => {
      seen += event.events;
      if (seen < events) return;
      sluice.off('delivered', listener);
      resolve();
    };
    sluice.on('delivered', listener);
  });
}
