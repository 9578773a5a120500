/**
 * The chunks in order, joined into pieces of at least `size` bytes (the last may be
 * smaller). Lazy: a chunk is read, and a piece copied, only when the consumer asks for it, so
 * a body streamed from disk is never held whole.
 */
export async function* coalesceChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let group: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of chunks) {
    group.push(chunk);
    bytes += chunk.length;
    if (bytes >= size) {
      yield join(group, bytes);
      group = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield join(group, bytes);
}

function join(group: Uint8Array[], bytes: number): Uint8Array {
  return group.length === 1 ? (group[0] as Uint8Array) : Buffer.concat(group, bytes);
}
