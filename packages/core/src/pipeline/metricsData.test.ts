import { describe, expect, it } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import type { DeliveredEvent } from './SluiceEvents.js';

describe('what metrics read from a sluice', () => {
  it('counts accepted events and record bytes, and tells each delivery its record bytes, first event time and store time', async () => {
    const { clock, sluice, send } = recordingSluice();
    const delivered: DeliveredEvent[] = [];
    sluice.on('delivered', (event) => delivered.push(event));
    expect([sluice.acceptedEvents, sluice.acceptedBytes]).toEqual([0, 0]);
    send('a', { n: 1 });
    await clock.advance(1_500);
    send('a', 'x');
    // {"n":1}\n and "x"\n: 8 + 4 bytes.
    expect([sluice.acceptedEvents, sluice.acceptedBytes]).toEqual([2, 12]);
    await clock.advanceTo('2024-05-25T16:15:00.000Z');
    await sluice.flush();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      events: 2,
      recordBytes: 12,
      openedAt: Date.parse('2024-05-25T16:14:58.000Z'),
      deliveredAt: Date.parse('2024-05-25T16:15:00.000Z'),
    });
    // Counters, not levels: delivery does not lower them.
    expect([sluice.acceptedEvents, sluice.acceptedBytes]).toEqual([2, 12]);
    await sluice.close();
  });

  it('counts what sendMany() accepted, and not what it refused', async () => {
    const { sluice } = recordingSluice();
    const result = sluice.sendMany('recording', [
      { stream: 'a', payload: { n: 1 } },
      { stream: '', payload: 'refused: empty stream' },
      { stream: 'b', payload: 'x' },
    ]);
    expect(result.ids).toHaveLength(2);
    // {"n":1}\n and "x"\n: 8 + 4 bytes.
    expect([sluice.acceptedEvents, sluice.acceptedBytes]).toEqual([2, 12]);
    await sluice.close();
  });
});

