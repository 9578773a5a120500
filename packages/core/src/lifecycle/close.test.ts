import { describe, expect, it, vi } from 'vitest';
import { recordingLogger, recordingSluice } from '../../test-support/recordingSluice.js';
import { ClosedError } from '../errors/ClosedError.js';
import { ShutdownTimeoutError } from '../errors/ShutdownTimeoutError.js';
import { MemorySpool } from '../spool/MemorySpool.js';
import type { Spool } from '../spool/Spool.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';

describe('flush() and close()', () => {
  it('flush() delivers open batches now; close() drains, stops every timer and refuses new events', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
    send('a', 1);
    await sluice.flush();
    expect(destination.objects).toHaveLength(1);
    send('b', 2);
    const closing = sluice.close();
    expect(sluice.close()).toBe(closing);
    await closing;
    expect(destination.objects).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
    expect(() => send('a', 3)).toThrow(ClosedError);
    expect(() => send('a', 3)).toThrow(/closed: send\(\) is not accepted after close\(\)/);
  });

  it('close({ timeoutMs }) gives up on a batch that keeps failing and says how many events', async () => {
    const { clock, sluice, destination, send } = recordingSluice();
    destination.failNext(1000);
    send('a', 1);
    send('a', 2);
    const closing = sluice.close({ timeoutMs: 30_000 });
    const outcome = vi.fn();
    closing.then(outcome, outcome);
    await clock.advance(30_000);
    expect(outcome).toHaveBeenCalledWith(expect.any(ShutdownTimeoutError));
    expect(String(outcome.mock.calls[0]?.[0])).toMatch(/1 batch\(es\) holding 2 event\(s\) are undelivered/);
    expect(clock.pendingTimers).toBe(0);
  });

  it('closes every part once, after the last attempt has ended: destination, uploader, serializer, then the spool', async () => {
    const order: string[] = [];
    const destination = new RecordingDestination();
    let uploading = 0;
    const upload = destination.uploader.upload.bind(destination.uploader);
    Object.assign(destination, { close: () => void order.push('destination') });
    Object.assign(destination.uploader, {
      upload: async (request: Parameters<typeof upload>[0]) => {
        uploading += 1;
        try {
          return await upload(request);
        } finally {
          uploading -= 1;
        }
      },
      close: () => void order.push(`uploader (${uploading} uploading)`),
    });
    Object.assign(destination.serializer, { close: () => void order.push('serializer') });
    const memory = new MemorySpool();
    const spool: Spool = { open: (meta) => memory.open(meta), recover: () => [], close: () => void order.push('spool') };
    const { sluice, send } = recordingSluice({ destinations: [destination], spool });
    send('a', 1);
    await Promise.all([sluice.close(), sluice.close()]);
    expect(order).toEqual(['destination', 'uploader (0 uploading)', 'serializer', 'spool']);
    expect(destination.objects).toHaveLength(1);
  });

  it('closes the parts after a close() that timed out too, and logs a part that fails to close', async () => {
    const { logger, lines } = recordingLogger();
    const destination = new RecordingDestination();
    const closed: string[] = [];
    Object.assign(destination.uploader, {
      close: () => {
        closed.push('uploader');
        throw new Error('socket already gone');
      },
    });
    Object.assign(destination.serializer, { close: () => void closed.push('serializer') });
    const { clock, sluice, send } = recordingSluice({ destinations: [destination], logger });
    destination.failNext(1_000);
    send('a', 1);
    const closing = sluice.close({ timeoutMs: 5_000 }).catch((error: unknown) => error);
    await clock.advance(5_000);
    expect(await closing).toBeInstanceOf(ShutdownTimeoutError);
    expect(closed).toEqual(['uploader', 'serializer']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'a part failed to close' }));
  });
});
