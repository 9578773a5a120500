import { describe, expect, it } from 'vitest';
import { minuteRule, recordingLogger, recordingSluice } from '../../test-support/recordingSluice.js';
import { SpoolError } from '../errors/SpoolError.js';
import { MemorySpool } from '../spool/MemorySpool.js';
import type { Spool, SpoolBatch, SpooledBatchMeta } from '../spool/Spool.js';
import { RecordingDestination } from '../testing/RecordingDestination.js';

/** A memory spool whose appends fail while `failing` says so, as a disk that fills up and frees again. */
function fillingSpool(error: () => unknown) {
  const state = { failing: false, discardFails: false, opened: [] as SpooledBatchMeta[] };
  const memory = new MemorySpool();
  const spool: Spool = {
    open(meta) {
      state.opened.push(meta);
      const inner = memory.open(meta);
      const batch: SpoolBatch = {
        append: (record) => {
          if (state.failing) throw error();
          return inner.append(record);
        },
        contents: () => inner.contents(),
        discard: () => {
          if (state.discardFails) throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
          inner.discard();
        },
        deadLetter: () => {},
        revive: () => {},
      };
      return batch;
    },
    recover: () => [],
    close: () => {},
  };
  return { spool, state };
}

describe('batch assembly when the spool fails', () => {
  it('throws a coded SpoolError from send(), accepts nothing of that event, and delivers every event accepted', async () => {
    const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
    const { spool, state } = fillingSpool(enospc);
    const { sluice, destination, send } = recordingSluice({ spool });
    send('a', 'before');
    state.failing = true;
    let thrown: unknown;
    try {
      send('a', 'lost to a full disk');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SpoolError);
    expect(thrown).toMatchObject({ code: 'SLUICE_SPOOL_FULL' });
    expect((thrown as Error).message).toMatch(/could not store the event.*not accepted/);
    expect(() => send('b', 'a new route on a full disk')).toThrow(SpoolError);
    expect(sluice.pendingBytes).toBe('"before"\n'.length);
    state.failing = false;
    send('a', 'after');
    await sluice.flush();
    // Only route a has an object: b's batch never held an event, so nothing empty was uploaded.
    expect(destination.objects.map((o) => [o.batch.target.stream, o.payloads])).toEqual([['a', ['before', 'after']]]);
  });

  it('counts a batch as delivered when its spool files cannot be removed afterwards, and logs why', async () => {
    const { spool, state } = fillingSpool(() => new Error('unused'));
    const { logger, lines } = recordingLogger();
    const { sluice, destination, send } = recordingSluice({ spool, logger });
    state.discardFails = true;
    const receipt = send('a', 1);
    await sluice.close();
    expect(destination.objects).toHaveLength(1);
    expect(sluice.deliveredCount(receipt.id)).toBe(1);
    expect(lines.some((line) => line.level === 'warn' && /spool files could not be removed/.test(line.message))).toBe(true);
  });
});

describe('batch identities', () => {
  it('never repeat across two sluices with the same producerId opening the same route in the same minute', async () => {
    const opened: SpooledBatchMeta[] = [];
    const spool: Spool = { open: (meta) => (opened.push(meta), new MemorySpool().open(meta)), recover: () => [], close: () => {} };
    const first = recordingSluice({ spool, sluice: { producerId: 'replica-1' } });
    const second = recordingSluice({ spool, sluice: { producerId: 'replica-1' } });
    const ids = [first.send('a', 1).id, second.send('a', 2).id];
    await first.sluice.close();
    await second.sluice.close();
    expect(opened).toHaveLength(2);
    expect(opened[0]?.identity.windowStart).toBe(opened[1]?.identity.windowStart);
    expect(opened[0]?.identifier).not.toBe(opened[1]?.identifier);
    expect(first.destination.objects[0]?.key).toBe(second.destination.objects[0]?.key); // the recording keys use no identifier
    expect(ids[0]).not.toBe(ids[1]);
    expect(first.sluice.deliveredCount(ids[1] as string)).toBe(0);
  });

  it('holds a window that never ends open until a cap or a drain, instead of sealing each event', async () => {
    const destination = new RecordingDestination();
    const capped = minuteRule(3);
    const sizeOnly = { windowOf: () => ({ start: 0, end: Number.POSITIVE_INFINITY }), wouldOverflow: capped.wouldOverflow.bind(capped) };
    const { clock, sluice, send } = recordingSluice({ destinations: [Object.assign(destination, { batcher: sizeOnly })] });
    for (let i = 0; i < 7; i += 1) send('a', i);
    await clock.advance(7_200_000);
    expect(destination.objects.map((o) => o.payloads)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    await sluice.flush();
    expect(destination.objects.map((o) => o.payloads).at(-1)).toEqual([6]);
    await sluice.close();
  });
});
