// What the runner does when the process runs out of a resource (open files, memory): it answers
// 503 to what it cannot serve, says so in its log once per minute with a count rather than once
// per request, reports it on /healthz while it lasts, and recovers by itself when the resource
// comes back (the first success clears it).

import fs from 'node:fs';

// Error codes of a resource the process has run out of: Node's, uvwasi's (node:wasi's own
// errors carry those), a worker thread's, and V8's for a WebAssembly memory it could not allocate.
const EXHAUSTION = new Map([
  ['EMFILE', 'open files (the process limit, ulimit -n)'],
  ['UVWASI_EMFILE', 'open files (the process limit, ulimit -n)'],
  ['ENFILE', 'open files (the system-wide limit)'],
  ['UVWASI_ENFILE', 'open files (the system-wide limit)'],
  ['ENOMEM', 'memory'],
  ['UVWASI_ENOMEM', 'memory'],
  ['ERR_WORKER_OUT_OF_MEMORY', 'memory (a WASI thread hit its heap limit)'],
]);

// -> a description of the exhausted resource, or null for any other error.
export function exhaustedResource(error) {
  if (error === null || typeof error !== 'object') return null;
  if (EXHAUSTION.has(error.code)) return `${EXHAUSTION.get(error.code)}: ${error.code}`;
  if (error instanceof RangeError && /memory/i.test(error.message)) return `memory: ${error.message}`;
  return null;
}

export const REPORT_INTERVAL_MS = 60_000;
const RECENT_MS = 10_000;

export class ResourceHealth {
  // log(line): the operator's log. probePath: a directory that check() opens and closes to see
  // whether a descriptor can be had right now (probe: the same, for tests).
  constructor({ log, probePath, probe = () => fs.closeSync(fs.openSync(probePath, 'r')), now = Date.now,
    reportIntervalMs = REPORT_INTERVAL_MS }) {
    this.log = log;
    this.probe = probe;
    this.now = now;
    this.reportIntervalMs = reportIntervalMs;
    this.failure = null;  // { resource, since, lastAt, total, unreported, reportedAt }
  }

  // A request (or a background task) failed for want of a resource. Returns true when `error`
  // was such a failure (and is now counted), false for any other error.
  failed(error, what) {
    const resource = exhaustedResource(error);
    if (resource === null) return false;
    const now = this.now();
    this.failure ??= { resource, since: now, total: 0, unreported: 0, reportedAt: -Infinity };
    this.failure.resource = resource;
    this.failure.total += 1;
    this.failure.lastAt = now;
    this.failure.unreported += 1;
    if (now - this.failure.reportedAt >= this.reportIntervalMs) {
      this.log(`resource exhausted: ${resource}; ${this.failure.unreported} failure(s) since ` +
        `${this.failure.reportedAt === -Infinity ? 'now' : new Date(this.failure.reportedAt).toISOString()} ` +
        `(latest: ${what}), ${this.failure.total} since ${new Date(this.failure.since).toISOString()}; ` +
        'answering 503 until it comes back (next report in a minute at most)');
      this.failure.reportedAt = now;
      this.failure.unreported = 0;
    }
    return true;
  }

  // Something that needed the resource worked: the failure is over.
  succeeded() {
    if (this.failure === null) return;
    const { total, since, resource } = this.failure;
    this.failure = null;
    this.log(`resource recovered: ${resource}; ${total} failure(s) over ${((this.now() - since) / 1000).toFixed(1)} s`);
  }

  // For /healthz: unhealthy while a descriptor cannot be had now, or while requests keep failing
  // for want of one (the last failure less than RECENT_MS ago, no success since: a request
  // needs several descriptors where the probe needs one).
  // -> { ok: true } | { ok: false, resource, since, failures }
  check() {
    try {
      this.probe();
    } catch (error) {
      if (!this.failed(error, 'health check')) throw error;
    }
    if (this.failure !== null && this.now() - this.failure.lastAt >= RECENT_MS) this.succeeded();
    if (this.failure === null) return { ok: true };
    return { ok: false, resource: this.failure.resource, since: new Date(this.failure.since).toISOString(), failures: this.failure.total };
  }
}
