import { describe, expect, it } from 'vitest';
import { recordingLogger, recordingSluice } from '../../test-support/recordingSluice.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';
import { STREAM_RUN_BYTES } from './BatchStreamer.js';

/** A payload whose NDJSON record is 1 KiB exactly: `{"i":"000123","pad":"xx…"}` and a newline. */
const payload = (i: number) => ({ i: String(i).padStart(6, '0'), pad: 'x'.repeat(1_000) });
const perRun = STREAM_RUN_BYTES / 1_024;

describe('streaming a busy batch while its window is open', () => {
  it('writes runs to the upload stream during the minute, keeps pending bytes to what is not stored, and stores one whole object at its end', async () => {
    const destination = new RecordingDestination('recording', { streaming: true });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination] });
    const events = 2.5 * perRun;
    for (let i = 0; i < events; i += 1) send('busy', payload(i));
    send('quiet', 'a quiet route never streams');
    await clock.advance(1_000); // still inside the minute
    const pieces = [...destination.streaming.values()];
    expect(pieces).toHaveLength(1);
    expect(pieces[0]?.length).toBe(2);
    expect(pieces[0]?.every((piece) => piece.length >= STREAM_RUN_BYTES)).toBe(true);
    // The two runs are stored: only the records not yet taken count against maxPendingBytes.
    expect(sluice.pendingBytes).toBeLessThan(STREAM_RUN_BYTES);
    await clock.advanceTo('2024-05-25T16:15:00Z');
    const busy = destination.objects.find((o) => o.batch.target.stream === 'busy');
    expect(busy?.payloads).toEqual(Array.from({ length: events }, (_, i) => payload(i)));
    expect(destination.objects.map((o) => o.batch.target.stream).sort()).toEqual(['busy', 'quiet']);
    expect(destination.streaming.size).toBe(0);
    expect(sluice.pendingBytes).toBe(0);
    await sluice.close();
  });

  it('with the memory spool, reports the events a stream lost for good, never counts them delivered, and delivers the rest', async () => {
    const { logger, lines } = recordingLogger();
    const destination = new RecordingDestination('recording', { streaming: true });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination], logger });
    const first = Array.from({ length: perRun }, (_, i) => send('busy', payload(i)));
    await clock.advance(0);
    expect(destination.streaming.size).toBe(1); // the first run is stored as a part
    destination.failNext(1, new DeliveryError('upload gone', { code: 'NoSuchUpload', retryable: false, location: 'recording' }));
    const second = Array.from({ length: perRun }, (_, i) => send('busy', payload(perRun + i)));
    await clock.advance(0);
    const rest = Array.from({ length: 10 }, (_, i) => send('busy', payload(2 * perRun + i)));
    await clock.advanceTo('2024-05-25T16:15:00Z');
    const lost = lines.find((line) => line.message.startsWith('events lost'));
    expect(lost?.fields).toMatchObject({ events: 2 * perRun, error: expect.stringContaining('upload gone') as unknown });
    expect(destination.objects).toHaveLength(1);
    expect(destination.objects[0]?.payloads).toEqual(Array.from({ length: 10 }, (_, i) => payload(2 * perRun + i)));
    expect([...first, ...second].some((receipt) => sluice.deliveredCount(receipt.id) > 0)).toBe(false);
    expect(rest.every((receipt) => sluice.deliveredCount(receipt.id) === 1)).toBe(true);
    await sluice.close();
  });
});
