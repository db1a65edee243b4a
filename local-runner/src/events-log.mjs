// DATA/events.log: one JSON object per line. The functions print their events (click,
// conversion, rejection ...) to stderr, one per line; the runner appends them here, with its
// own events (partner postback delivered, failed, dead).

import fs from 'node:fs';

const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024;

export class EventsLog {
  // warn(line): where stderr lines that are not JSON objects go (a trap message, a debug
  // print), so that events.log stays machine-readable and nothing is silently dropped.
  constructor(file, { warn = (line) => process.stderr.write(`${line}\n`) } = {}) {
    this.file = file;
    this.warn = warn;
    this.tail = Promise.resolve();  // appends are chained so that lines keep their order
    this.handle = null;
    this.unwritten = '';
  }

  appendStderr(source, text) {
    const lines = [];
    for (const line of String(text ?? '').split('\n')) {
      if (line.trim() === '') continue;
      if (isJsonObject(line)) lines.push(line.trim());
      else this.warn(`[${source}] ${line}`);
    }
    return this.#append(lines);
  }

  appendEvent(event) {
    return this.#append([JSON.stringify(event)]);
  }

  // One descriptor for the life of the log, opened at the first append: appending never needs a
  // new descriptor, so a process out of them still records its events. Lines that could not be
  // written (disk full) are kept, up to MAX_UNWRITTEN_BYTES, and written with the next append.
  #append(lines) {
    if (lines.length === 0) return this.tail;
    this.unwritten += `${lines.join('\n')}\n`;
    if (this.unwritten.length > MAX_UNWRITTEN_BYTES) {
      const cut = this.unwritten.indexOf('\n', this.unwritten.length - MAX_UNWRITTEN_BYTES) + 1;
      this.warn(`${this.file}: dropped ${cut} bytes of events that could not be written`);
      this.unwritten = this.unwritten.slice(cut);
    }
    this.tail = this.tail.then(() => this.#writeUnwritten());
    return this.tail;
  }

  async #writeUnwritten() {
    if (this.unwritten === '') return;
    const text = this.unwritten;
    try {
      this.handle ??= await fs.promises.open(this.file, 'a');
      await this.handle.appendFile(text);
      this.unwritten = this.unwritten.slice(text.length);
    } catch (error) {
      this.warn(`cannot append to ${this.file}: ${error.message} (${this.unwritten.length} bytes kept to write later)`);
    }
  }

  flush() {
    this.tail = this.tail.then(() => this.#writeUnwritten());
    return this.tail;
  }

  async close() {
    await this.flush();
    await this.handle?.close();
    this.handle = null;
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
