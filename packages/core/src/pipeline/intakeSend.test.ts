import { describe, expect, it } from 'vitest';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { BackpressureError } from '../errors/BackpressureError.js';
import type { Intake, IntakeRecord } from '../intake/Intake.js';

/** An intake that keeps what it is given, refusing with backpressure past `limit` records. */
function recordingIntake(limit = Infinity) {
  const records: IntakeRecord[] = [];
  const intake: Intake = {
    start: () => {},
    accept(record) {
      if (records.length >= limit) throw new BackpressureError(records.length, limit);
      records.push(record);
      return () => Promise.resolve();
    },
    flush: () => Promise.resolve(),
    ready: () => Promise.resolve(),
    pendingBytes: 0,
    close: () => Promise.resolve(),
  };
  return { intake, records };
}

function intakeSluice(limit?: number) {
  const { intake, records } = recordingIntake(limit);
  return { ...recordingSluice({ intake }), records };
}

describe('sendMany with an intake (fleet mode)', () => {
  it('hands each accepted item to the intake, leaves a refused one out alone, and counts what it accepted', async () => {
    const { sluice, records, destination } = intakeSluice();
    const result = sluice.sendMany(destination.name, [
      { stream: 'a', payload: { n: 1 } },
      { payload: { n: 2 } },
      { stream: 'b', payload: { n: 3 } },
    ]);
    expect(result.ids).toHaveLength(2);
    expect(result.refused.map((r) => [r.index, r.error.code])).toEqual([[1, 'SLUICE_INVALID']]);
    expect(result.stopped).toBeUndefined();
    expect(records.map((r) => r.record)).toEqual(['{"n":1}\n', '{"n":3}\n']);
    expect(sluice.acceptedEvents).toBe(2);
    await sluice.close();
  });

  it('stops at the item the intake refuses with backpressure, and accepts nothing after it', async () => {
    const { sluice, records, destination } = intakeSluice(2);
    const items = [1, 2, 3, 4].map((n) => ({ stream: 's', payload: { n } }));
    const result = sluice.sendMany(destination.name, items);
    expect(result.ids).toHaveLength(2);
    expect(result.stopped?.index).toBe(2);
    expect(result.stopped?.error.code).toBe('SLUICE_BACKPRESSURE');
    expect(records).toHaveLength(2);
    await sluice.close();
  });
});
