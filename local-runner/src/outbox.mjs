// The partner-postback outbox's delivery (docs/data-directory.md "The partner-postback outbox";
// the entry's fields: outbox-entry.mjs).
//
// Delivery is at least once, across kills and restarts, because all state is in the files and
// each attempt is recorded before it is made: the record is rewritten (atomically) with
// attempts + 1 and the next retry time first, then the request is sent. A runner killed during
// the request finds the entry still pending at its next start and sends it again after the
// backoff; a partner may therefore see a postback twice, never zero times.
//
// The work per tick is O(entries due), not O(entries ever): the dispatcher keeps the pending
// entries in memory, learns of new ones through wakes (outbox-wake.mjs) and lists the whole
// outbox only when it starts and every rescanMs after, as a backstop.

import fs from 'node:fs';
import { deliveryEvent } from '../../analytics/src/delivery-event.mjs';
import { KvDir, nowSeconds } from './kv-dir.mjs';
import { deliver as httpDeliver } from './deliver.mjs';
import { OUTBOX_PREFIX, parseEntry, toSeconds } from './outbox-entry.mjs';
import { takeMarked } from './outbox-wake.mjs';

export const DEFAULTS = Object.freeze({
  intervalMs: 1000,
  rescanMs: 10 * 60 * 1000,
  baseDelayMs: 30_000,
  maxAttempts: 8,
  timeoutMs: 5000,
  concurrency: 8,
});
export const MAX_DELAY_MS = 60 * 60 * 1000;
const EXHAUSTED_RETRY_MS = 5000;
export const DELIVERED_RETENTION_SECONDS = 30 * 24 * 3600;
const CONVERSION_PREFIX = 'conversion/';

// Delay before the attempt that follows attempt number `attempts` (1-based): base, 2 base,
// 4 base ... with +-20% jitter so that entries that failed together do not retry together,
// never more than an hour.
export function retryDelayMs(attempts, baseDelayMs, random = Math.random) {
  const exponential = baseDelayMs * 2 ** Math.max(0, attempts - 1);
  const jittered = exponential * (0.8 + 0.4 * random());
  return Math.round(Math.min(jittered, MAX_DELAY_MS));
}

export class OutboxDispatcher {
  // options: see DEFAULTS, plus allowPrivateTargets, judge (the partner-target policy,
  // target-policy.mjs), deliver (for tests), onEvent(event),
  // log(message) for operator-facing lines, exhausted(error, what) -> true when the error was
  // this process running out of a resource and has been reported (ResourceHealth.failed).
  constructor(kv, options = {}) {
    this.kv = kv instanceof KvDir ? kv : new KvDir(kv);
    this.options = { ...DEFAULTS, ...options };
    this.deliver = options.deliver ?? httpDeliver;
    this.onEvent = options.onEvent ?? (() => {});
    this.log = options.log ?? (() => {});
    this.exhausted = options.exhausted ?? (() => false);
    this.inFlight = new Map();  // key -> promise of the delivery
    this.cache = new Map();     // key -> { version, entry }: unchanged files are not re-read
    this.pending = new Map();   // key -> entry, every pending entry this process knows of
    this.woken = new Set();     // keys to read at the next scan
    this.held = new Map();      // key -> ms: an entry whose conversion is not recorded, until then
    this.listedAtMs = null;     // when the whole outbox was last listed
    this.timer = null;
    this.scanning = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    const tick = async () => {
      try {
        await this.scan();
      } catch (error) {
        if (!this.exhausted(error, 'outbox scan')) this.log(`outbox: scan failed: ${error.message}`);
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  // A function enqueued these entries: they are read at the next tick. Not at once: a scan per
  // conversion made the partner postbacks run during the load, and the runner's heap settled
  // 40 MiB higher in the soak test, for under a second of delivery latency.
  wake(ids) {
    for (const id of ids) this.woken.add(OUTBOX_PREFIX + id);
  }

  // Stops scanning and waits for the deliveries under way (each bounded by timeoutMs).
  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.scanning?.catch(() => {});  // a failed scan was reported by the timer's loop
    await this.settle();
  }

  async settle() {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  // One pass: starts the due deliveries, up to the concurrency limit. Does not wait for them.
  async scan() {
    if (this.scanning) return this.scanning;
    this.scanning = this.#scan().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  async #scan() {
    const nowMs = Date.now();
    if (this.listedAtMs === null || nowMs - this.listedAtMs >= this.options.rescanMs) await this.#listAll(nowMs);
    for (const id of await takeMarked(this.kv.dir)) this.woken.add(OUTBOX_PREFIX + id);
    const woken = [...this.woken];
    this.woken.clear();
    for (const key of woken) this.#index(key, await this.#readEntry(key, nowMs));

    const due = [];
    for (const [key, known] of this.pending) {
      if (this.inFlight.has(key) || known.next_attempt_at * 1000 > nowMs) continue;
      // Read again: the file is the truth (an attempt of this process may have changed it).
      const entry = await this.#readEntry(key, nowMs);
      this.#index(key, entry);
      if (entry?.state === 'pending' && entry.next_attempt_at * 1000 <= nowMs) due.push({ key, entry });
    }
    due.sort((a, b) => a.entry.next_attempt_at - b.entry.next_attempt_at);
    for (const { key, entry } of due) {
      if (this.stopped || this.inFlight.size >= this.options.concurrency) break;
      const run = this.#attempt(key, entry)
        .catch((error) => {
          if (!this.exhausted(error, 'outbox delivery')) this.log(`outbox: ${key}: ${error.message}`);
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, run);
    }
  }

  async #listAll(nowMs) {
    const keys = await this.kv.list(OUTBOX_PREFIX);
    const live = new Set(keys);
    for (const key of this.cache.keys()) if (!live.has(key)) this.cache.delete(key);
    for (const key of this.pending.keys()) if (!live.has(key)) this.pending.delete(key);
    for (const key of keys) {
      if (this.stopped) return;
      this.#index(key, await this.#readEntry(key, nowMs));
    }
    this.listedAtMs = nowMs;
  }

  #index(key, entry) {
    if (entry?.state === 'pending') {
      this.pending.set(key, entry);
    } else {
      this.pending.delete(key);
      this.held.delete(key);
    }
  }

  async #readEntry(key, nowMs) {
    let stat;
    try {
      stat = await fs.promises.stat(this.kv.fileOf(key));
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      throw error;
    }
    // Every write replaces the file (a new inode), so inode, mtime and size tell a new version.
    const version = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    const cached = this.cache.get(key);
    if (cached && cached.version === version) return cached.entry;
    let entry = null;
    try {
      const text = await this.kv.readText(key);
      if (text !== null) entry = parseEntry(text, nowMs);
    } catch (error) {
      // Logged once per version of the file, then left for a person to look at.
      this.log(`outbox: ${key}: unreadable entry skipped: ${error.message}`);
    }
    // Of a delivered or dead entry only its state is kept: the scan needs no more of it.
    this.cache.set(key, { version, entry: entry === null || entry.state === 'pending' ? entry : { state: entry.state } });
    return entry;
  }

  async #attempt(key, entry) {
    const { baseDelayMs, maxAttempts, timeoutMs } = this.options;
    const startedMs = Date.now();
    if ((this.held.get(key) ?? 0) > startedMs) return;
    if (!(await this.#recorded(entry))) {
      this.held.set(key, startedMs + baseDelayMs);
      return;
    }
    this.held.delete(key);
    if (entry.attempts >= maxAttempts) {
      // Its last attempt was under way when a runner stopped: the budget is spent.
      await this.#write(key, { ...entry, state: 'dead', last_error: entry.last_error ?? 'interrupted during the last attempt' });
      this.#event(entry, 'dead', { error: entry.last_error ?? 'interrupted during the last attempt', attempts: entry.attempts });
      return;
    }
    const attempts = entry.attempts + 1;
    const leased = {
      ...entry,
      state: 'pending',
      attempts,
      next_attempt_at: toSeconds(startedMs + retryDelayMs(attempts, baseDelayMs)),
    };
    await this.#write(key, leased);  // before sending: see the file comment

    const result = await this.deliver(entry.url, {
      timeoutMs,
      allowPrivateTargets: this.options.allowPrivateTargets ?? false,
      judge: this.options.judge,
    });
    const doneMs = Date.now();
    if (result.exhausted && this.exhausted(result.exhausted, 'outbox delivery')) {
      // The partner was never asked: not an attempt. Tried again once descriptors are back.
      await this.#write(key, { ...entry, next_attempt_at: toSeconds(doneMs + EXHAUSTED_RETRY_MS) });
      return;
    }
    // `status` (the partner's HTTP status) and `last_error` describe the latest attempt only.
    const { status: _status, last_error: _error, ...base } = leased;
    const answered = result.status ? { status: result.status } : {};
    if (result.ok) {
      const delivered = { ...base, state: 'delivered', delivered_at: toSeconds(doneMs), ...answered };
      await this.#write(key, delivered, Math.floor(doneMs / 1000) + DELIVERED_RETENTION_SECONDS);
      this.#event(delivered, 'delivered', { status: result.status, attempts });
      return;
    }
    const dead = attempts >= maxAttempts;
    const failed = { ...base, state: dead ? 'dead' : 'pending', last_error: result.error, ...answered };
    await this.#write(key, failed);
    this.#event(failed, dead ? 'dead' : 'failed', { error: result.error, attempts, ...(result.status ? { status: result.status } : {}) });
  }

  // The function writes a conversion's commit and its outbox entries unsynced; the runner's
  // ledger log makes them durable before the answer (ledger-log.mjs). A power cut before that
  // can keep an entry and lose its commit: such an entry is held until the advertiser's retry
  // writes the commit again, rather than pay for a conversion the ledger does not hold. (The
  // check sees the commit as written, not as synced: an entry a rescan finds in the
  // milliseconds before its postback's log sync can still be sent; its claims, synced, keep
  // the conversion from being counted twice.) Entries written before they named their
  // conversion are sent as they always were.
  async #recorded(entry) {
    if (typeof entry.conversion_id !== 'string' || entry.conversion_id === '') return true;
    return (await this.kv.read(CONVERSION_PREFIX + entry.conversion_id)) !== null;
  }

  async #write(key, entry, expiresAt = 0) {
    await this.kv.writeReplace(key, JSON.stringify(entry), { expiresAt });
    this.#index(key, entry);
  }

  #event(entry, outcome, details) {
    this.onEvent(deliveryEvent(entry, outcome, { ...details, time: nowSeconds() }));
  }
}
