import { describe, expect, it } from 'vitest';
import { BackpressureError, ClosedError, SerializationError, type SendManyResult } from '@sluice/core';
import { SendCoalescer } from './SendCoalescer.js';

/** A coalescer whose turn ends when the test says, over a send that records what it got. */
function harness(answer: (items: readonly object[]) => SendManyResult) {
  const sent: Array<readonly object[]> = [];
  let endTurn: (() => void) | undefined;
  const coalescer = new SendCoalescer(
    (items) => {
      sent.push(items);
      return answer(items);
    },
    (run) => (endTurn = run),
  );
  const results: Array<{ result: SendManyResult | undefined; error: unknown }> = [];
  const add = (items: object[]) => coalescer.add(items, 10 * items.length, (result, error) => results.push({ result, error }));
  return { coalescer, sent, results, add, endTurn: () => endTurn?.() };
}

const items = (...names: string[]) => names.map((name) => ({ name }));

describe('SendCoalescer', () => {
  it('sends the requests of one turn with one sendMany, in order, and gives each its own ids', () => {
    const { coalescer, sent, results, add, endTurn } = harness((all) => ({ ids: all.map((_, i) => `id-${i}`), refused: [] }));
    add(items('a'));
    add(items('b', 'c'));
    add(items('d'));
    expect(coalescer.queuedBytes).toBe(40);
    expect(sent).toEqual([]);
    endTurn();
    expect(sent).toEqual([items('a', 'b', 'c', 'd')]);
    expect(results.map(({ result }) => result)).toEqual([
      { ids: ['id-0'], refused: [] },
      { ids: ['id-1', 'id-2'], refused: [] },
      { ids: ['id-3'], refused: [] },
    ]);
    expect(coalescer.queuedBytes).toBe(0);
  });

  it('sends a request added with `now` at once, with the ones queued before it', () => {
    const { sent, results, coalescer, endTurn } = harness((all) => ({ ids: all.map((_, i) => `id-${i}`), refused: [] }));
    coalescer.add(items('a'), 10, (result) => results.push({ result, error: undefined }));
    coalescer.add(items('b', 'c'), 20, (result) => results.push({ result, error: undefined }), true);
    expect(sent).toEqual([items('a', 'b', 'c')]);
    expect(results.map(({ result }) => result?.ids)).toEqual([['id-0'], ['id-1', 'id-2']]);
    endTurn();
    expect(sent).toHaveLength(1);
  });

  it('maps refused items to their request and position in it', () => {
    const bad = new SerializationError('not JSON');
    const { results, add, endTurn } = harness(() => ({ ids: ['x0', 'x2', 'x3'], refused: [{ index: 1, error: bad }, { index: 4, error: bad }] }));
    add(items('a', 'b'));
    add(items('c', 'd', 'e'));
    endTurn();
    expect(results.map(({ result }) => result)).toEqual([
      { ids: ['x0'], refused: [{ index: 1, error: bad }] },
      { ids: ['x2', 'x3'], refused: [{ index: 2, error: bad }] },
    ]);
  });

  it('stops the request where the send stopped, and every request after it at its first item', () => {
    const full = new BackpressureError(100, 100);
    const { results, add, endTurn } = harness(() => ({ ids: ['x0', 'x1', 'x2'], refused: [], stopped: { index: 3, error: full } }));
    add(items('a', 'b'));
    add(items('c', 'd', 'e'));
    add(items('f'));
    endTurn();
    expect(results.map(({ result }) => result)).toEqual([
      { ids: ['x0', 'x1'], refused: [] },
      { ids: ['x2'], refused: [], stopped: { index: 1, error: full } },
      { ids: [], refused: [], stopped: { index: 0, error: full } },
    ]);
  });

  it('gives what the send threw to every request of the turn, and starts afresh at the next', () => {
    let closed = true;
    const { results, add, endTurn } = harness((all) => {
      if (closed) throw new ClosedError();
      return { ids: all.map(() => 'ok'), refused: [] };
    });
    add(items('a'));
    add(items('b'));
    endTurn();
    expect(results.map(({ result, error }) => [result, error instanceof ClosedError])).toEqual([
      [undefined, true],
      [undefined, true],
    ]);
    closed = false;
    add(items('c'));
    endTurn();
    expect(results[2]).toEqual({ result: { ids: ['ok'], refused: [] }, error: undefined });
  });
});
