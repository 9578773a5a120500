import { describe, expect, it } from 'vitest';
import { recordingLogger, recordingSluice } from '../../test-support/recordingSluice.js';
import { DeliveryError } from '../errors/DeliveryError.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';
import { MemorySpool } from '../spool/MemorySpool.js';
import type { Spool } from '../spool/Spool.js';
import { STREAM_RUN_BYTES } from './BatchStreamer.js';

/** A memory spool that behaves as a durable one: records it hands out for streaming stay in it. */
function durableMemorySpool(): Spool {
  const memory = new MemorySpool();
  return {
    durable: true,
    open(meta) {
      const batch = memory.open(meta);
      let taken = 0;
      return {
        append: (record) => batch.append(record),
        contents: () => batch.contents(),
        take: () => {
          const all = Buffer.concat(batch.contents());
          const fresh = all.subarray(taken);
          taken = all.length;
          return [fresh];
        },
        discard: () => batch.discard(),
        deadLetter: () => {},
        revive: () => {},
      };
    },
    recover: () => [],
    close: () => {},
  };
}

/** A payload whose NDJSON record is 1 KiB exactly: `{"i":"000123","pad":"xx…"}` and a newline. */
const payload = (i: number) => ({ i: String(i).padStart(6, '0'), pad: 'x'.repeat(1_000) });
const perRun = STREAM_RUN_BYTES / 1_024;

describe('streaming a busy batch while its window is open', () => {
  it('writes runs to the upload stream during the minute and stores one whole object at its end; a quiet route never streams', async () => {
    const destination = new RecordingDestination('recording', { streaming: true });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination] });
    const events = 2.5 * perRun;
    for (let i = 0; i < events; i += 1) send('busy', payload(i));
    send('quiet', 'a quiet route never streams');
    await clock.advance(1_000); // still inside the minute
    const pieces = [...destination.streaming.values()];
    expect(pieces).toHaveLength(1);
    // No piece is larger than a run, whatever the backlog when the pump took it.
    expect(pieces[0]?.map((piece) => piece.length)).toEqual([STREAM_RUN_BYTES, STREAM_RUN_BYTES, STREAM_RUN_BYTES / 2]);
    // The memory spool let go of the records: the pieces are the only copy, counted until delivered.
    expect(sluice.pendingBytes).toBe(2.5 * STREAM_RUN_BYTES + '"a quiet route never streams"\n'.length);
    await clock.advanceTo('2024-05-25T16:15:00Z');
    const busy = destination.objects.find((o) => o.batch.target.stream === 'busy');
    expect(busy?.payloads).toEqual(Array.from({ length: events }, (_, i) => payload(i)));
    expect(destination.objects.map((o) => o.batch.target.stream).sort()).toEqual(['busy', 'quiet']);
    expect(destination.streaming.size).toBe(0);
    expect(sluice.pendingBytes).toBe(0);
    await sluice.close();
  });

  it('with a durable spool, counts only what is not stored yet: memory is what is in flight, not the minute', async () => {
    const destination = new RecordingDestination('recording', { streaming: true });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination], spool: durableMemorySpool() });
    for (let i = 0; i < 2.5 * perRun; i += 1) send('busy', payload(i));
    await clock.advance(1_000);
    expect(sluice.pendingBytes).toBe(0); // every piece written was stored at once by the recording uploader
    await clock.advanceTo('2024-05-25T16:15:00Z');
    expect(destination.objects[0]?.payloads).toHaveLength(2.5 * perRun);
    await sluice.close();
  });

  it('with the memory spool, uploads a batch whose stream failed whole from the pieces it kept, under the same key: nothing lost', async () => {
    const { logger, lines } = recordingLogger();
    const destination = new RecordingDestination('recording', { streaming: true });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination], logger });
    const first = Array.from({ length: perRun }, (_, i) => send('busy', payload(i)));
    await clock.advance(0);
    expect(destination.streaming.size).toBe(1); // the first run is stored as a part
    const [key] = [...destination.streaming.keys()];
    destination.failNext(1, new DeliveryError('upload gone', { code: 'NoSuchUpload', retryable: false, location: 'recording' }));
    const second = Array.from({ length: perRun }, (_, i) => send('busy', payload(perRun + i)));
    await clock.advance(0);
    expect(destination.streaming.size).toBe(0); // the failed stream was aborted
    const rest = Array.from({ length: 10 }, (_, i) => send('busy', payload(2 * perRun + i)));
    await clock.advanceTo('2024-05-25T16:15:00Z');
    expect(lines.some((line) => line.message.startsWith('streaming a batch while open failed'))).toBe(true);
    expect(destination.objects).toHaveLength(1);
    expect(destination.objects[0]?.key).toBe(key);
    expect(destination.objects[0]?.payloads).toEqual(Array.from({ length: 2 * perRun + 10 }, (_, i) => payload(i)));
    expect([...first, ...second, ...rest].every((receipt) => sluice.deliveredCount(receipt.id) === 1)).toBe(true);
    expect(sluice.pendingBytes).toBe(0);
    await sluice.close();
  });

  it('frames runs ahead, as many as the serializer works on and one more, and writes the pieces in order whichever is framed first', async () => {
    const destination = new RecordingDestination('recording', { streaming: true });
    const framing: Array<{ readonly records: Uint8Array; readonly done: (piece: Uint8Array) => void }> = [];
    Object.assign(destination.serializer, {
      frameConcurrency: 2,
      frame: (records: Uint8Array) => new Promise<Uint8Array>((resolve) => framing.push({ records: Buffer.from(records), done: resolve })),
    });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination] });
    const runs = 5;
    for (let i = 0; i < runs * perRun; i += 1) send('busy', payload(i));
    await clock.advance(0);
    // Two framing, one ready; the other runs wait, their records untaken or unjoined, still counted as records.
    expect(framing).toHaveLength(3);
    expect(sluice.pendingBytes).toBe(runs * STREAM_RUN_BYTES);
    framing[1]?.done(framing[1].records);
    framing[2]?.done(framing[2].records);
    await clock.advance(0);
    expect([...destination.streaming.values()][0] ?? []).toHaveLength(0); // the first run is not framed yet
    framing[0]?.done(framing[0].records);
    await clock.advance(0);
    expect(destination.streaming.values().next().value?.map((piece) => piece.subarray(0, 13).toString())).toEqual(
      [0, perRun, 2 * perRun].map((i) => `{"i":"${String(i).padStart(6, '0')}"`),
    );
    expect(framing).toHaveLength(5);
    const sealed = clock.advanceTo('2024-05-25T16:15:00Z');
    for (const run of framing.slice(3)) run.done(run.records);
    await sealed;
    expect(destination.objects[0]?.payloads).toEqual(Array.from({ length: runs * perRun }, (_, i) => payload(i)));
    expect(sluice.pendingBytes).toBe(0);
    await sluice.close();
  });

  it("frames a spool's chunks of half a run or more as they are, without joining them on the event loop", async () => {
    const chunkBytes = 3 * 1024 * 1024;
    let spooled: Buffer | undefined;
    // A durable spool that hands records out in chunks of 3 MiB, views of one buffer.
    const chunked = durableMemorySpool();
    const open = chunked.open.bind(chunked);
    chunked.open = (meta) => {
      const batch = open(meta);
      let taken = 0;
      return Object.assign(batch, {
        take: () => {
          spooled = Buffer.concat(batch.contents() as Uint8Array[]);
          const chunks: Uint8Array[] = [];
          for (let at = taken; at < spooled.length; at += chunkBytes) chunks.push(spooled.subarray(at, Math.min(at + chunkBytes, spooled.length)));
          taken = spooled.length;
          return chunks;
        },
      });
    };
    const destination = new RecordingDestination('recording', { streaming: true });
    const frame = destination.serializer.frame?.bind(destination.serializer);
    const framed: Uint8Array[] = [];
    Object.assign(destination.serializer, { frame: (records: Uint8Array) => (framed.push(records), frame?.(records)) });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination], spool: chunked });
    const events = 2.5 * perRun;
    for (let i = 0; i < events; i += 1) send('busy', payload(i));
    await clock.advance(0);
    // The first take held exactly a run (3 + 1 MiB, joined); every later run is a chunk as it came.
    expect(framed.map((run) => run.length)).toEqual([STREAM_RUN_BYTES, chunkBytes, chunkBytes]);
    expect(framed.slice(1).every((run) => run.buffer === spooled?.buffer)).toBe(true);
    await clock.advanceTo('2024-05-25T16:15:00Z');
    expect(destination.objects[0]?.payloads).toEqual(Array.from({ length: events }, (_, i) => payload(i)));
    await sluice.close();
  });

  it('with a durable spool, drops the runs framing ahead when the stream fails, and uploads the batch whole from the spool: each event once, nothing left pending', async () => {
    const destination = new RecordingDestination('recording', { streaming: true });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination], spool: durableMemorySpool() });
    destination.failNext(1, new DeliveryError('part failed', { code: 'InternalError', retryable: true, location: 'recording' }));
    const receipts = Array.from({ length: 4 * perRun }, (_, i) => send('busy', payload(i)));
    await clock.advance(0);
    // The first write failed with runs framed ahead of it: the stream is gone, its records are not.
    expect(destination.streaming.size).toBe(0);
    await clock.advanceTo('2024-05-25T16:15:00Z');
    expect(destination.objects).toHaveLength(1);
    expect(destination.objects[0]?.payloads).toEqual(Array.from({ length: 4 * perRun }, (_, i) => payload(i)));
    expect(receipts.every((receipt) => sluice.deliveredCount(receipt.id) === 1)).toBe(true);
    expect(sluice.pendingBytes).toBe(0);
    await sluice.close();
  });
});
