// The sweep thread (sweep-thread-client.mjs starts it): deletes expired records off the thread
// that answers requests. Its file operations are asynchronous there too, but their promises,
// strings and buffers were the main isolate's garbage: sweeping 500,000 of a million records,
// the main loop's p99 delay went from 2.9 to 1.5 ms with them here (its longest stall, about
// 30 ms, is the two cores' contention and did not move: docs/data-directory.md).
//
// Messages: { id, kind: 'buckets', files, now } (an indexed sweep of files sealed by the main
// thread), { id, kind: 'walk', now, nowMs } (the whole directory), { kind: 'abort' } (end the
// one under way at its next file).

import { parentPort, workerData } from 'node:worker_threads';
import { sweepBuckets } from './expiry-index.mjs';
import { KvDir } from './kv-dir.mjs';
import { errorToMessage } from './thread-errors.mjs';

const { kvDir, indexDir } = workerData;
const kv = new KvDir(kvDir);
let stopping = new AbortController();

const SWEEPS = {
  buckets: ({ files, now }, signal) => sweepBuckets(kv, indexDir, files, { now, signal }),
  walk: ({ now, nowMs }, signal) => kv.sweep({ now, nowMs, signal }),
};

parentPort.on('message', async (message) => {
  if (message.kind === 'abort') {
    stopping.abort();
    stopping = new AbortController();
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, result: await SWEEPS[message.kind](message, stopping.signal) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: errorToMessage(error) });
  }
});
