// DATA/events.log: one JSON object per line. The functions print their events (click,
// conversion, rejection ...) to stderr, one per line; the runner appends them here, with its
// own events (partner postback delivered, failed, dead).

import fs from 'node:fs';

export class EventsLog {
  // warn(line): where stderr lines that are not JSON objects go (a trap message, a debug
  // print), so that events.log stays machine-readable and nothing is silently dropped.
  constructor(file, { warn = (line) => process.stderr.write(`${line}\n`) } = {}) {
    this.file = file;
    this.warn = warn;
    this.tail = Promise.resolve();  // appends are chained so that lines keep their order
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

  #append(lines) {
    if (lines.length === 0) return this.tail;
    const text = `${lines.join('\n')}\n`;
    this.tail = this.tail
      .then(() => fs.promises.appendFile(this.file, text))
      .catch((error) => this.warn(`cannot append to ${this.file}: ${error.message}`));
    return this.tail;
  }

  flush() {
    return this.tail;
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
