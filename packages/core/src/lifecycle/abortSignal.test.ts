import { on, once } from 'node:events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { AbortedError } from '../errors/AbortedError.js';
import { ClosedError } from '../errors/ClosedError.js';
import { type SLUICE_EVENT_NAMES, type DeliveredEvent, type DeliveryErrorEvent, type SluiceEvents } from '../pipeline/SluiceEvents.js';

describe('flush() and close() with an AbortSignal', () => {
  it('flush: stops waiting with AbortedError, and the batch is still delivered in the background', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
    destination.failNext(1);
    const receipt = send('a', { n: 1 });
    const failed = once(sluice, 'deliveryError') as Promise<[DeliveryErrorEvent]>;
    const controller = new AbortController();
    const flushing = sluice.flush({ signal: controller.signal });
    const [error] = await failed;
    controller.abort(new Error('request cancelled'));
    const outcome = await flushing.then(() => undefined, (e: unknown) => e);
    expect(outcome).toBeInstanceOf(AbortedError);
    expect(outcome).toMatchObject({ code: 'SLUICE_ABORTED', name: 'AbortError', operation: 'flush', pendingBatches: 1, pendingEvents: 1 });
    expect((outcome as Error).cause).toEqual(new Error('request cancelled'));
    expect(sluice.health()).toMatchObject([{ pendingEvents: 1 }]);

    const delivered = once(sluice, 'delivered') as Promise<[DeliveredEvent]>;
    await clock.advance(error.retryInMs);
    const [event] = await delivered;
    expect(event.events).toBe(1);
    expect(destination.objects.map((o) => o.payloads)).toEqual([[{ n: 1 }]]);
    expect((await receipt.delivered).key).toBe(event.key);
    await sluice.close();
  });

  it('flush: rejects at once for a signal aborted already, and delivers all the same', async () => {
    const { sluice, destination, send } = recordingSluice();
    send('a', 1);
    const delivered = once(sluice, 'delivered');
    await expect(sluice.flush({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'SLUICE_ABORTED', name: 'AbortError' });
    await delivered;
    expect(destination.objects).toHaveLength(1);
    await sluice.close();
  });

  it('close: stops waiting with AbortedError and shuts down as at a deadline, the sluice closed', async () => {
    const { sluice, destination, send } = recordingSluice();
    destination.failNext(1);
    send('a', 1);
    const failed = once(sluice, 'deliveryError');
    const controller = new AbortController();
    const closing = sluice.close({ signal: controller.signal });
    await failed;
    controller.abort();
    await expect(closing).rejects.toMatchObject({ code: 'SLUICE_ABORTED', operation: 'close', pendingEvents: 1 });
    expect(() => send('a', 2)).toThrow(ClosedError);
    // A second close() is the first one.
    await expect(sluice.close()).rejects.toBeInstanceOf(AbortedError);
    expect(destination.objects).toHaveLength(0);
  });

  it('a flush that finishes first is not affected by a later abort', async () => {
    const { sluice, send } = recordingSluice();
    send('a', 1);
    const controller = new AbortController();
    await sluice.flush({ signal: controller.signal });
    controller.abort();
    await sluice.close();
  });
});

describe("a sluice's events with Node's events helpers", () => {
  it('forwards every event the pipeline emits', () => {
    expectTypeOf<Exclude<keyof SluiceEvents, (typeof SLUICE_EVENT_NAMES)[number]>>().toBeNever();
  });

  it('events.on iterates deliveries and stops with its own signal', async () => {
    const { sluice, send } = recordingSluice();
    const controller = new AbortController();
    const keys: string[] = [];
    const iterating = (async () => {
      try {
        for await (const [event] of on(sluice, 'delivered', { signal: controller.signal })) {
          keys.push((event as DeliveredEvent).key);
          if (keys.length === 2) controller.abort();
        }
      } catch (error) {
        if ((error as Error).name !== 'AbortError') throw error;
      }
    })();
    send('a', 1);
    send('b', 2);
    await sluice.flush();
    await iterating;
    expect(keys.sort()).toEqual(['a/1716653640000-0.ndjson', 'b/1716653640000-0.ndjson']);
    expect(sluice.listenerCount('delivered')).toBe(0);
    await sluice.close();
  });
});
