import { describe, expect, it } from 'vitest';
import { EventIds } from './EventIds.js';

describe('EventIds', () => {
  it('spells out and parses back the ids it made, and nothing else', () => {
    const ids = new EventIds('replica-1', 'abcdef0123456789abcdef0123456789');
    const sequences = [ids.next(), ids.next(), ...Array.from({ length: 40 }, () => ids.next())];
    const spelled = sequences.map((n) => ids.format(n));
    expect(spelled[0]).toBe('replica-1-abcdef01-0');
    expect(spelled.map((id) => ids.parse(id))).toEqual(sequences);
    expect(ids.parse('replica-1-abcdef01-01')).toBeUndefined();
    expect(ids.parse('replica-1-00000000-1')).toBeUndefined();
    expect(ids.parse('my-own-id')).toBeUndefined();
  });

  it('gives a restarted producer with the same producerId ids it never gave before', () => {
    const before = new EventIds('replica-1', '11111111aaaaaaaa');
    const after = new EventIds('replica-1', '22222222bbbbbbbb');
    expect(after.format(after.next())).not.toBe(before.format(before.next()));
  });
});
