// Runs work(item) for each item of an iterable (sync or async), at most `limit` at a time, and
// waits for the last. An aborted signal stops it taking items. work() handles its own errors:
// a rejection ends the loop with that error once the runs under way have settled.
export async function eachLimited(items, limit, work, signal) {
  const running = new Set();
  let failure = null;
  for await (const item of items) {
    if (signal?.aborted || failure) break;
    const run = work(item)
      .catch((error) => { failure ??= error; })
      .finally(() => running.delete(run));
    running.add(run);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure;
}
