// Runs node:wasi instances on worker threads, one at a time per thread, so that requests run
// concurrently: node:wasi's start() blocks the thread it runs on. Each thread holds the
// compiled modules (compiled once, shared with the threads, not recompiled). A thread that
// dies fails only the run it had, and is replaced for the next one.
import { Worker } from 'node:worker_threads';
import { errorFromMessage } from './thread-errors.mjs';

const THREAD = new URL('./wasi-thread.mjs', import.meta.url);

export class WasiThreadPool {
  #modules;
  #idle = [];
  #waiting = [];  // runs waiting for a thread: { job, resolve, reject }
  #threads = new Set();
  #nextId = 0;
  #closed = false;

  // modules: Map name -> WebAssembly.Module
  constructor(modules, size) {
    if (!(size >= 1)) throw new Error(`a WASI thread pool needs at least one thread, not ${size}`);
    this.#modules = modules;
    this.size = size;
    this.#refill();
  }

  // runWasi's options without the module -> runWasi's result (stdout a Buffer); throws as it does.
  run(name, options) {
    if (this.#closed) return Promise.reject(new Error('the WASI thread pool is closed'));
    try {
      this.#refill();
    } catch (error) {
      if (this.#threads.size === 0) return Promise.reject(error);  // e.g. out of descriptors
    }
    const job = { id: this.#nextId++, name, options: { ...options, stdin: ownBytes(options.stdin) } };
    return new Promise((resolve, reject) => {
      this.#waiting.push({ job, resolve, reject });
      this.#dispatch();
    });
  }

  async close() {
    this.#closed = true;
    for (const { reject } of this.#waiting.splice(0)) reject(new Error('the WASI thread pool is closed'));
    await Promise.all([...this.#threads].map((thread) => thread.worker.terminate()));
  }

  // Threads that died are replaced when the next run comes, not in a loop that could spin.
  #refill() {
    while (this.#threads.size < this.size) this.#idle.push(this.#start());
  }

  #start() {
    const worker = new Worker(THREAD, { workerData: { modules: this.#modules } });
    const thread = { worker, current: null };
    this.#threads.add(thread);
    worker.on('message', (message) => this.#finished(thread, message));
    worker.on('error', (error) => this.#died(thread, error));
    worker.on('exit', (code) => this.#died(thread, new Error(`a WASI thread exited (code ${code})`)));
    worker.unref();  // an idle pool does not keep the process alive
    return thread;
  }

  #dispatch() {
    while (this.#waiting.length > 0 && this.#idle.length > 0) {
      const thread = this.#idle.pop();
      thread.current = this.#waiting.shift();
      thread.worker.ref();
      thread.worker.postMessage(thread.current.job);
    }
  }

  #finished(thread, { id, result, error }) {
    const current = thread.current;
    if (!current || current.job.id !== id) return;
    thread.current = null;
    thread.worker.unref();
    this.#idle.push(thread);
    if (error) current.reject(errorFromMessage(error));
    else current.resolve({ ...result, stdout: Buffer.from(result.stdout.buffer, result.stdout.byteOffset, result.stdout.length), exhausted: result.exhausted ? errorFromMessage(result.exhausted) : null });
    this.#dispatch();
  }

  #died(thread, error) {
    if (!this.#threads.delete(thread)) return;  // 'error' is followed by 'exit'
    this.#idle = this.#idle.filter((t) => t !== thread);
    thread.current?.reject(error);
    if (this.#closed || this.#waiting.length === 0) return;
    try {
      this.#refill();
    } catch (startError) {
      // Out of a resource right now: the waiting runs fail unless a thread is left for them.
      if (this.#threads.size === 0) for (const { reject } of this.#waiting.splice(0)) reject(startError);
      return;
    }
    this.#dispatch();
  }
}

// The bytes alone, in a buffer of their own: a small Buffer is a view of an 8 KiB pool, which
// posting it would copy whole.
function ownBytes(bytes) {
  if (bytes === undefined || typeof bytes === 'string') return bytes;
  return bytes.length === 0 ? '' : new Uint8Array(bytes);
}
