// The runner's deletion of expired records: every interval, the expiry index's passed buckets
// (expiry-index.mjs: only what expires is touched); a walk of the whole directory when the index
// may miss records (the first start with it, a start after a kill) and once a day as a backstop,
// which also deletes the temporary files a killed writer left. The deletes run where `sweeps`
// runs them (serve: its sweep thread, sweep-thread-client.mjs); the index's buckets are sealed
// here, on the thread that appends to them.

import { nowSeconds } from './kv-dir.mjs';

export const FULL_WALK_INTERVAL_MS = 24 * 3600 * 1000;
const FLUSH_INTERVAL_MS = 1000;

export class Sweeper {
  // sweeps: { buckets(files, { now, signal }), walk({ now, signal }) } (SweepThread's);
  // out/err: log lines; failed(error, what) -> true when a resource ran out and was reported.
  constructor({ sweeps, index, intervalMs, fullWalkIntervalMs = FULL_WALK_INTERVAL_MS, out, err, failed = () => false }) {
    Object.assign(this, { sweeps, index, intervalMs, fullWalkIntervalMs, out, err, failed });
    this.running = null;
    this.stopping = new AbortController();
    this.timers = [];
    this.walkedAtMs = null;
  }

  start() {
    this.walkedAtMs = this.index.takeClean();  // null: the index may have missed records
    this.sweep();
    this.timers.push(setInterval(() => this.sweep(), this.intervalMs));
    this.timers.push(setInterval(() => this.index.flush(), FLUSH_INTERVAL_MS));
  }

  // One sweep at a time: over a large data directory one can outlast the interval.
  sweep() {
    this.running ??= this.#sweepOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  // Ends the sweep under way at its next slice.
  async stop() {
    for (const timer of this.timers) clearInterval(timer);
    this.stopping.abort();
    await this.running;
  }

  // Once no function runs any more: writes what the index holds and marks it complete.
  finish() {
    try {
      this.index.markClean(this.walkedAtMs);
    } catch (error) {
      this.err(`expiry index: ${error.message}`);
    }
  }

  async #sweepOnce() {
    const signal = this.stopping.signal;
    try {
      const now = nowSeconds();
      const files = this.index.seal(now);
      const indexed = files.length ? await this.sweeps.buckets(files, { now, signal }) : { expired: 0 };
      if (indexed.expired) this.out(`sweep: deleted ${indexed.expired} expired records (expiry index, ${indexed.buckets} buckets)`);
      if (this.walkedAtMs !== null && Date.now() - this.walkedAtMs < this.fullWalkIntervalMs) return;
      const startedMs = Date.now();
      const walked = await this.sweeps.walk({ now, signal });
      if (!signal.aborted) this.walkedAtMs = startedMs;
      if (walked.expired || walked.leftovers) {
        this.out(`sweep: deleted ${walked.expired} expired records and ${walked.leftovers} leftover temporary files (full walk)`);
      }
    } catch (error) {
      if (!this.failed(error, 'sweep')) this.err(`sweep failed: ${error.message}`);
    }
  }
}
