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
    const ledger = new MemoryDeliveryLedger(3);
    ledger.recordDelivered(['1', '2', '3', '4']);
    expect(['1', '2', '3', '4'].map((id) => ledger.deliveredCount(id))).toEqual([0, 1, 1, 1]);
  });
});
