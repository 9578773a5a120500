/**
 * Holds the event loop open until the returned function is called. Sluice's own timers are
 * unref'd so an idle sluice never keeps a process alive; a pending `close()` or `flush()`
 * must, or a process whose last other handle closed would exit mid-drain without a word.
 */
export function keepProcessAlive(): () => void {
  const handle = setInterval(() => {}, 2 ** 31 - 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    clearInterval(handle);
  };
}
