// The report store as serve uses it: the same operations as ReportStore, run in a process of
// its own (report-process.mjs). In serve's process, DuckDB's buffers grew serve's resident
// memory by about 120 MiB over 20,000 requests, and its loads ran on the event loop; the reports
// are an aid, and the tracker is not to pay for them. A store process that dies fails the
// operations under way; the next operation starts a new one (the store resumes from its
// committed log position).

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ReportStoreBusyError } from './report-store.mjs';
import { errorFromMessage } from './thread-errors.mjs';

const ENTRY = fileURLToPath(new URL('./report-process.mjs', import.meta.url));
// DuckDB's own defaults are 80% of the machine's memory and a thread per core.
export const REPORT_PROCESS_SETTINGS = { memory_limit: '256MB', threads: '1' };

export class ReportStoreProcess {
  #file;
  #settings;
  #child = null;
  #starting = null;
  #calls = new Map();  // id -> { resolve, reject, onSkip }
  #nextId = 1;
  #closed = false;

  constructor(file, settings) {
    this.#file = file;
    this.#settings = settings;
  }

  // Resolves once the store is open; throws ReportStoreBusyError as ReportStore.open does.
  static async open(file, settings = REPORT_PROCESS_SETTINGS) {
    const store = new ReportStoreProcess(file, settings);
    await store.#start();
    return store;
  }

  load(logFile, { onSkip = () => {}, ...options } = {}) {
    return this.#call('load', [logFile, options], onSkip);
  }

  report(spec) { return this.#call('report', [spec]); }
  history(transactionId) { return this.#call('history', [transactionId]); }
  reset() { return this.#call('reset', []); }
  query(sql, values) { return this.#call('query', [sql, values]); }

  // The process, while one runs (tests).
  get pid() { return this.#child?.pid ?? null; }

  async close() {
    this.#closed = true;
    const child = this.#child ?? (await this.#starting?.catch(() => null));
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
  }

  async #call(method, args, onSkip = () => {}) {
    if (this.#closed) throw new Error('the report store is closed');
    const child = this.#child ?? (await this.#start());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject, onSkip });
      child.send({ id, method, args });
    });
  }

  #start() {
    this.#starting ??= new Promise((resolve, reject) => {
      const child = fork(ENTRY, [this.#file, JSON.stringify(this.#settings)], {
        serialization: 'advanced',  // BigInt row values
        execArgv: [],  // not serve's (its WASI flags, or a parent's --eval)
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (message) => {
        if ('opened' in message) {
          if (message.opened) {
            this.#child = child;
            resolve(child);
          } else {
            reject(message.error.name === 'ReportStoreBusyError'
              ? new ReportStoreBusyError(message.error.message) : errorFromMessage(message.error));
          }
          return;
        }
        const call = this.#calls.get(message.id);
        if (!call) return;
        if ('skip' in message) return call.onSkip(message.skip);
        this.#calls.delete(message.id);
        if ('error' in message) call.reject(errorFromMessage(message.error));
        else call.resolve(message.result);
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        const why = new Error(`the report store process exited (${signal ?? `code ${code}`})`);
        reject(why);  // a no-op once it opened
        for (const call of this.#calls.values()) call.reject(why);
        this.#calls.clear();
        this.#child = null;
        this.#starting = null;
      });
    });
    return this.#starting;
  }
}
