// DATA/events.log: one JSON object per line. The functions print their events (click,
// conversion, rejection ...) to stderr, one per line; the runner appends them here, with its
// own events (partner postback delivered, failed, dead).

import fs from 'node:fs';
import { promisify } from 'node:util';
import { GroupCommit } from './group-commit.mjs';

const fdatasync = promisify(fs.fdatasync);

const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024;

export class EventsLog {
  // warn(line): where stderr lines that are not JSON objects go (a trap message, a debug
  // print), so that events.log stays machine-readable and nothing is silently dropped.
  constructor(file, { warn = (line) => process.stderr.write(`${line}\n`) } = {}) {
    this.file = file;
    this.warn = warn;
    this.fd = null;
    this.unwritten = Buffer.alloc(0);  // bytes, so that a partial write leaves no half character
    this.commit = new GroupCommit(() => this.#sync());
  }

  // The events of a function's stderr, one JSON object per line; what is not one is warned
  // about here and goes no further.
  eventLines(source, text) {
    const lines = [];
    for (const line of String(text ?? '').split('\n')) {
      if (line.trim() === '') continue;
      if (isJsonObject(line)) lines.push(line.trim());
      else this.warn(`[${source}] ${line}`);
    }
    return lines;
  }

  // Lines eventLines() returned.
  appendLines(lines) {
    return this.#append(lines);
  }

  appendEvent(event) {
    return this.#append([JSON.stringify(event)]);
  }

  // One descriptor for the life of the log, opened at the first append: appending never needs a
  // new descriptor, so a process out of them still records its events. Lines that could not be
  // written (disk full) are kept, up to MAX_UNWRITTEN_BYTES, and written with the next append.
  //
  // Written synchronously, like the access log on stdout: a line appended to the page cache
  // takes microseconds, where the promise API's round trip through libuv's pool cost a request
  // about a tenth of a millisecond of the main thread's time. So a line is in the file by the
  // time the call returns; the promise returned (settled already) is for the callers that await.
  #append(lines) {
    if (lines.length > 0) {
      this.unwritten = Buffer.concat([this.unwritten, Buffer.from(`${lines.join('\n')}\n`)]);
      this.#dropOverflow();
    }
    this.#writeUnwritten();
    return Promise.resolve();
  }

  #dropOverflow() {
    if (this.unwritten.length <= MAX_UNWRITTEN_BYTES) return;
    const cut = this.unwritten.indexOf(0x0a, this.unwritten.length - MAX_UNWRITTEN_BYTES) + 1;
    this.warn(`${this.file}: dropped ${cut} bytes of events that could not be written`);
    this.unwritten = this.unwritten.subarray(cut);
  }

  #writeUnwritten() {
    if (this.unwritten.length === 0) return;
    try {
      this.fd ??= fs.openSync(this.file, 'a');
      while (this.unwritten.length > 0) this.unwritten = this.unwritten.subarray(fs.writeSync(this.fd, this.unwritten));
    } catch (error) {
      this.warn(`cannot append to ${this.file}: ${error.message} (${this.unwritten.length} bytes kept to write later)`);
    }
  }

  // Resolves once every line appended before the call is on disk, rejects when that cannot be
  // done (lines still unwritten, the sync failed). One fdatasync serves every caller waiting
  // at the time (group-commit.mjs). A postback's answer does not wait for it: its events are in
  // the ledger log first, and the log's checkpoint waits for this (ledger-log.mjs).
  durable() {
    return this.commit.durable();
  }

  async #sync() {
    this.#writeUnwritten();
    if (this.unwritten.length > 0) throw new Error(`${this.file}: ${this.unwritten.length} bytes of events not written yet`);
    if (this.fd !== null) await fdatasync(this.fd);
  }

  flush() {
    this.#writeUnwritten();
    return Promise.resolve();
  }

  async close() {
    await this.commit.drain();  // a sync under way holds the descriptor
    this.#writeUnwritten();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

function isJsonObject(line) {
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}
