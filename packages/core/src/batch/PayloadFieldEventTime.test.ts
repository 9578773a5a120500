import { describe, expect, it } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';
import { PayloadFieldEventTime } from './PayloadFieldEventTime.js';

const at = (iso: string) => Date.parse(iso);

describe('batching by event time', () => {
  it('reads ms or ISO strings from the field, and falls back to the accept time', () => {
    const time = new PayloadFieldEventTime('ts');
    expect(time.timeOf({ ts: 1_000 }, 5)).toBe(1_000);
    expect(time.timeOf({ ts: '2024-05-25T16:14:00Z' }, 5)).toBe(at('2024-05-25T16:14:00Z'));
    expect([time.timeOf({ ts: 'soon' }, 5), time.timeOf({}, 5), time.timeOf('text', 5), time.timeOf(null, 5)]).toEqual([5, 5, 5, 5]);
  });

  it('puts each event in the object of its own minute; late ones in an extra object of theirs, sealed when the current minute ends', async () => {
    const destination = Object.assign(new RecordingDestination(), { eventTime: new PayloadFieldEventTime('ts') });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination] }); // 16:14:58
    send('a', { n: 1, ts: '2024-05-25T16:14:10Z' });
    send('a', { n: 2 }); // no time: accept time, 16:14:58
    send('a', { n: 3, ts: '2024-05-25T18:00:00Z' }); // from the future: taken as now
    await clock.advanceTo('2024-05-25T16:15:20Z');
    send('a', { n: 4, ts: '2024-05-25T16:15:19Z' });
    send('a', { n: 5, ts: '2024-05-25T16:14:59Z' }); // late: its minute was written at 16:15:00
    send('a', { n: 6, ts: '2024-05-25T16:13:30Z' }); // later still
    send('a', { n: 7, ts: '2024-05-25T16:14:30Z' });
    expect(destination.objects).toHaveLength(1);
    await clock.advanceTo('2024-05-25T16:16:00Z');
    const objects = destination.objects.map((o) => ({
      window: new Date(o.batch.window.start).toISOString(),
      late: o.batch.identity.sequence < 0,
      openedAt: new Date(o.batch.openedAt).toISOString(),
      n: o.payloads.map((p) => (p as { n: number }).n),
    }));
    objects.sort((a, b) => (a.n[0] as number) - (b.n[0] as number));
    expect(objects).toEqual([
      { window: '2024-05-25T16:14:00.000Z', late: false, openedAt: '2024-05-25T16:14:10.000Z', n: [1, 2, 3] },
      { window: '2024-05-25T16:15:00.000Z', late: false, openedAt: '2024-05-25T16:15:19.000Z', n: [4] },
      { window: '2024-05-25T16:14:00.000Z', late: true, openedAt: '2024-05-25T16:14:59.000Z', n: [5, 7] },
      { window: '2024-05-25T16:13:00.000Z', late: true, openedAt: '2024-05-25T16:13:30.000Z', n: [6] },
    ]);
    expect(new Set(destination.objects.map((o) => o.batch.identifier)).size).toBe(4);
    await sluice.close();
  });
});
