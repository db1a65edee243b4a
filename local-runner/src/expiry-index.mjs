// The expiry index of the data directory (docs/data-directory.md "The expiry index"), so that
// the sweep touches only what expires instead of every stored file (at a million files a full
// walk took 157 s):
//
//   DATA/expiry/<bucket>   the file names in DATA/kv of records that expire within
//                          [bucket * BUCKET_SECONDS, (bucket + 1) * BUCKET_SECONDS), one per
//                          line, appended by the runner for the functions' `edgepost-expires`
//                          lines (host-lines.mjs) and for its own writes
//   DATA/expiry/clean      left by an orderly stop after its last append: when the last full
//                          walk ended (ms)
//
// The sweep reads only buckets that have wholly passed. For each name it deletes the record if
// it is still expired (one rewritten since with a later expiry is kept: the rewrite has its own
// line), then removes the bucket. Lines are appended from memory once a second, so a killed
// runner can lose the last ones: without `clean` at start the runner walks the whole directory
// once (KvDir.sweep), as it does for a directory older than the index, and it walks again a day
// after the last walk, across restarts, as a backstop.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { eachLimited } from './each-limited.mjs';
import { SWEEP_CONCURRENCY } from './kv-dir.mjs';

export const BUCKET_SECONDS = 600;
const CLEAN = 'clean';
const SWEEPING = '.sweeping';
const MAX_UNWRITTEN = 1_000_000;
const BUCKET_NAME = /^(\d{1,12})(\.sweeping)?$/;

export class ExpiryIndex {
  constructor(dir, { log = () => {} } = {}) {
    this.dir = dir;
    this.log = log;
    this.unwritten = new Map();  // bucket -> [file name]
    this.count = 0;
    this.lost = false;           // lines were dropped: the next start must walk everything
    this.failing = false;        // the last flush could not write
  }

  add(name, expiresAt) {
    if (!(expiresAt > 0)) return;
    if (this.count >= MAX_UNWRITTEN) {
      this.lost = true;
      return;
    }
    const bucket = Math.floor(expiresAt / BUCKET_SECONDS);
    const names = this.unwritten.get(bucket);
    if (names) names.push(name);
    else this.unwritten.set(bucket, [name]);
    this.count += 1;
  }

  // Appends what add() collected. Synchronous: a few small appends a second, and a sweep that
  // renames a bucket away never misses one under way. What cannot be written is kept for the
  // next call, and said once per failing stretch, not once a second.
  flush() {
    if (this.count === 0) return;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      for (const [bucket, names] of this.unwritten) {
        fs.appendFileSync(path.join(this.dir, String(bucket)), `${names.join('\n')}\n`);
        this.unwritten.delete(bucket);
        this.count -= names.length;
      }
    } catch (error) {
      if (!this.failing) {
        this.log(`expiry index: cannot append to ${this.dir}: ${error.message} (${this.count} lines kept; tried again every second)`);
      }
      this.failing = true;
      return;
    }
    if (this.failing) this.log(`expiry index: appending to ${this.dir} again`);
    this.failing = false;
  }

  // If the last stop was orderly (every line written), when the last full walk of the directory
  // ended (ms), as that stop recorded it; otherwise null. The mark is used up.
  takeClean() {
    const file = path.join(this.dir, CLEAN);
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      throw error;
    }
    fs.unlinkSync(file);
    const walkedAtMs = Number(text);
    return Number.isSafeInteger(walkedAtMs) && walkedAtMs > 0 ? walkedAtMs : null;
  }

  // walkedAtMs: when the last full walk ended; with none since the index may have missed
  // records, there is nothing to mark and the next start walks.
  markClean(walkedAtMs) {
    this.flush();
    if (this.count > 0 || this.lost || walkedAtMs === null) return;
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, CLEAN), String(walkedAtMs));
  }

  // Deletes the expired records of every bucket that has passed at `now`. -> counts.
  async sweep(kv, { now = Math.floor(Date.now() / 1000), signal } = {}) {
    return sweepBuckets(kv, this.dir, this.seal(now), { now, signal });
  }

  // Takes the buckets that have passed at `now` away from the appends: each is renamed to
  // `<bucket>.sweeping`, so that a line added later goes to a new file instead of being lost.
  // Synchronous, like flush(): an append that opened a bucket before its rename has finished
  // by then, whichever thread sweeps the renamed file afterwards. -> the files to sweep, the
  // leftovers of an interrupted sweep first. A bucket with a leftover of its own is sealed at
  // the sweep after (the rename would replace the leftover).
  seal(now) {
    this.flush();
    const { leftovers, passed } = this.#buckets(now);
    const sealed = passed.filter((name) => !leftovers.includes(name + SWEEPING));
    for (const name of sealed) fs.renameSync(path.join(this.dir, name), path.join(this.dir, name + SWEEPING));
    return [...leftovers, ...sealed.map((name) => name + SWEEPING)];
  }

  #buckets(now) {
    const found = { leftovers: [], passed: [] };
    let names;
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      if (error.code === 'ENOENT') return found;
      throw error;
    }
    for (const name of names) {
      const match = BUCKET_NAME.exec(name);
      if (!match) continue;
      if (match[2]) found.leftovers.push(name);
      else if ((Number(match[1]) + 1) * BUCKET_SECONDS <= now) found.passed.push(name);
    }
    return found;
  }
}

// Deletes the expired records named in `files` (from seal(), in `dir`), then each file. Runs on
// any thread: serve runs it on its sweep thread (sweep-thread.mjs). -> counts. An aborted
// signal stops it; a file not finished stays for the next sweep.
export async function sweepBuckets(kv, dir, files, { now = Math.floor(Date.now() / 1000), signal } = {}) {
  const result = { expired: 0, unreadable: 0, buckets: 0 };
  for (const file of files) {
    if (signal?.aborted) break;
    await sweepBucket(kv, path.join(dir, file), now, signal, result);
  }
  return result;
}

async function sweepBucket(kv, full, now, signal, result) {
  // Line by line: a bucket of a busy hour holds hundreds of thousands of names, and one array
  // of them all cost the event loop tens of milliseconds of garbage collection.
  const input = fs.createReadStream(full, 'utf8');
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    await eachLimited(lines, SWEEP_CONCURRENCY, async (name) => {
      if (name === '') return;
      try {
        if (await kv.removeIfExpired(name, now)) result.expired += 1;
      } catch {
        result.unreadable += 1;
      }
    }, signal);
  } finally {
    input.destroy();  // closing the lines early leaves the file open otherwise
  }
  if (signal?.aborted) return;  // the bucket stays: the next sweep does it again
  await fs.promises.rm(full, { force: true });
  result.buckets += 1;
}
