import { describe, expect, it, vi } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { ClosedError } from '../errors/ClosedError.js';
import { ShutdownTimeoutError } from '../errors/ShutdownTimeoutError.js';

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
});
