// The sweeps serve runs on a thread of its own (sweep-thread.mjs): the same work and answers as
// sweepBuckets() and KvDir.sweep() in the thread that asks.

import { Worker } from 'node:worker_threads';
import { errorFromMessage } from './thread-errors.mjs';

const ENTRY = new URL('./sweep-thread.mjs', import.meta.url);

export class SweepThread {
  #worker;
  #calls = new Map();  // id -> { resolve, reject }
  #nextId = 1;
  #gone = null;  // why the thread is no more: every later call fails with it

  constructor({ kvDir, indexDir }) {
    this.#worker = new Worker(ENTRY, { workerData: { kvDir, indexDir } });
    this.#worker.on('message', ({ id, result, error }) => {
      const call = this.#calls.get(id);
      this.#calls.delete(id);
      if (error) call.reject(errorFromMessage(error));
      else call.resolve(result);
    });
    this.#worker.on('error', (error) => this.#end(error));
    this.#worker.on('exit', (code) => this.#end(new Error(`the sweep thread exited with code ${code}`)));
  }

  // files: from ExpiryIndex.seal(). -> as sweepBuckets().
  buckets(files, { now, signal }) {
    return this.#call({ kind: 'buckets', files, now }, signal);
  }

  // -> as KvDir.sweep().
  walk({ now, nowMs = Date.now(), signal }) {
    return this.#call({ kind: 'walk', now, nowMs }, signal);
  }

  async close() {
    await this.#worker.terminate();
  }

  #call(message, signal) {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    const answer = new Promise((resolve, reject) => this.#calls.set(id, { resolve, reject }));
    const abort = () => this.#worker.postMessage({ kind: 'abort' });
    signal?.addEventListener('abort', abort, { once: true });
    this.#worker.postMessage({ ...message, id });
    if (signal?.aborted) abort();
    return answer.finally(() => signal?.removeEventListener('abort', abort));
  }

  #end(error) {
    this.#gone ??= error;
    for (const call of this.#calls.values()) call.reject(error);
    this.#calls.clear();
  }
}
