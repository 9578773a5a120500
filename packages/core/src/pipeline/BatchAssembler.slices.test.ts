import { describe, expect, it } from 'vitest';
import { minuteRule, recordingLogger, recordingSluice } from '../../test-support/recordingSluice.js';
import { MemorySpool } from '../spool/MemorySpool.js';
import { ManualClock } from '../testing/ManualClock.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';
import type { Batch } from './Batch.js';
import { BatchAssembler } from './BatchAssembler.js';
import type { RegisteredDestination } from './DestinationRegistry.js';
import { SLICE_ITEMS } from './inSlices.js';

/** An assembler on a manual clock at 16:14:58 over one recording destination, recording what it seals. */
function assembler() {
  const clock = new ManualClock('2024-05-25T16:14:58.000Z');
  const sealed: Batch[] = [];
  const turns: number[] = [];
  const destination = new RecordingDestination();
  // Only what batch assembly reads of a registered destination.
  const entry = { destination, batcher: minuteRule(), eventTime: undefined } as unknown as RegisteredDestination;
  const parts = {
    clock,
    spool: new MemorySpool(),
    logger: recordingLogger().logger,
    producerId: 'test-producer',
    incarnation: 'a'.repeat(32),
    onSealed: (batch: Batch) => {
      // How many were sealed when the event loop next turned.
      if (sealed.push(batch) === 1) setImmediate(() => turns.push(sealed.length));
    },
  };
  const assembly = new BatchAssembler(parts);
  const open = (stream: string) => {
    const batch = assembly.batchFor(entry, destination.route({ stream }), 2, 'x');
    batch.append('x', 0);
    return batch;
  };
  return { clock, assembly, open, sealed, turns };
}

describe('sealing at the end of a window with many open routes', () => {
  it('keeps one timer for all batches ending together and seals them in slices, in the order they were opened', async () => {
    const { clock, open, sealed, turns } = assembler();
    const opened = Array.from({ length: 1_200 }, (_, i) => open(`route-${i}`));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(2_000);
    expect(turns[0]).toBe(SLICE_ITEMS);
    expect(sealed).toEqual(opened);
    expect(new Set(sealed.map((batch) => batch.identity.windowStart))).toEqual(new Set([Date.parse('2024-05-25T16:14:00.000Z')]));
    expect(clock.pendingTimers).toBe(0);
  });

  it('puts an event sent between slices into the new window, sealing its route\'s old batch once', async () => {
    const { clock, open, sealed } = assembler();
    const opened = Array.from({ length: 1_200 }, (_, i) => open(`route-${i}`));
    let sentBetween: Batch | undefined;
    const between = new Promise<void>((resolve) => {
      const check = () => {
        if (sealed.length === 0) return void setImmediate(check);
        // The first slice is sealed; route-1199 waits in the third.
        sentBetween = open('route-1199');
        resolve();
      };
      setImmediate(check);
    });
    await clock.advance(2_000);
    await between;
    expect(sentBetween?.window.start).toBe(Date.parse('2024-05-25T16:15:00.000Z'));
    expect(sentBetween?.state).toBe('open');
    expect(sealed).toHaveLength(1_200);
    expect(new Set(sealed)).toEqual(new Set(opened));
    expect(sealed.filter((batch) => batch.route.routeId === 'route-1199')).toEqual([opened[1_199]]);
  });

  it('stops sealing when stopped between slices, leaving the rest open', async () => {
    const { clock, assembly, open, sealed } = assembler();
    for (let i = 0; i < 1_200; i += 1) open(`route-${i}`);
    let stoppedAt = -1;
    setImmediate(function check() {
      if (sealed.length === 0) return void setImmediate(check);
      assembly.stop();
      stoppedAt = sealed.length;
    });
    await clock.advance(2_000);
    expect(stoppedAt).toBe(SLICE_ITEMS);
    expect(sealed).toHaveLength(SLICE_ITEMS);
    expect([...assembly.open()]).toHaveLength(1_200 - SLICE_ITEMS);
  });
});

describe('a minute with 10,000 open routes', () => {
  it('delivers one object per route with every event, at the window end and on flush', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
    for (let i = 0; i < 10_000; i += 1) send(`route-${i}`, i);
    let delivered = 0;
    const allDelivered = new Promise<void>((resolve) => sluice.on('delivered', () => ++delivered === 10_000 && resolve()));
    await clock.advance(2_000); // 16:15:00, the minute's end
    await allDelivered;
    for (let i = 0; i < 5_000; i += 1) send(`route-${i}`, -i);
    await sluice.flush();
    expect(destination.objects).toHaveLength(15_000);
    const first = destination.objects.slice(0, 10_000);
    expect(new Set(first.map((o) => o.batch.target.stream))).toHaveLength(10_000);
    expect(first.every((o) => o.batch.window.start === Date.parse('2024-05-25T16:14:00.000Z') && o.payloads.length === 1)).toBe(true);
    expect(first.map((o) => o.payloads[0]).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(new Set(destination.objects.map((o) => o.key))).toHaveLength(15_000);
    await sluice.close();
    // 25,000 uploads a few per turn of the event loop: seconds on a busy machine, so a wide net.
  }, 120_000);
});
