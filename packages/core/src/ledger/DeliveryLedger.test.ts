import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from './DeliveryLedger.js';

describe('MemoryDeliveryLedger', () => {
  it('counts destinations per event id', () => {
    const ledger = new MemoryDeliveryLedger();
    ledger.recordDelivered(['a', 'b']);
    ledger.recordDelivered(['a']);
    expect([ledger.deliveredCount('a'), ledger.deliveredCount('b'), ledger.deliveredCount('c')]).toEqual([2, 1, 0]);
  });

  it('forgets the oldest ids past its capacity, so memory stays bounded', () => {
    const ledger = new MemoryDeliveryLedger(4);
    ledger.recordDelivered(['1', '2', '3', '4', '5', '6']);
    expect(['1', '2', '3', '4', '5', '6'].map((id) => ledger.deliveredCount(id))).toEqual([0, 0, 1, 1, 1, 1]);
  });

  it('keeps counting an id that moved to the old generation', () => {
    const ledger = new MemoryDeliveryLedger(4);
    ledger.recordDelivered(['a', 'b', 'c']);
    ledger.recordDelivered(['a']);
    expect(ledger.deliveredCount('a')).toBe(2);
  });

  it('counts the ids the sluice made, kept as runs of sequence numbers, apart from given ids', () => {
    const ledger = new MemoryDeliveryLedger();
    ledger.recordDelivered(['7'], [0, 5, 9, 10]);
    expect([0, 4, 5, 9, 10].map((s) => ledger.deliveredCount(s))).toEqual([1, 1, 0, 1, 0]);
    expect([ledger.deliveredCount('7'), ledger.deliveredCount(7)]).toEqual([1, 0]);
  });

  it('keeps the newest ids and forgets the oldest when far more than its capacity pass through', () => {
    const ledger = new MemoryDeliveryLedger(1_000);
    ledger.recordDelivered(Array.from({ length: 200_000 }, (_, i) => String(i)));
    expect(ledger.deliveredCount('199999')).toBe(1);
    expect(ledger.deliveredCount('0')).toBe(0);
  });
});
