// DATA/ledger/<n>.log: the runner's write-ahead log of what a durable answer promises: the
// ledger writes that need only be durable by the answer (Durability::by_answer in
// lib/include/edgepost/decision.hpp: a conversion's commit, its outbox entries and its record;
// claims and status changes are synced by the function itself), and the run's events.
//
// The postback function writes its put_if_absents unsynced and prints every such write as an
// `edgepost-ledger` line (host-lines.mjs, wasm/wasi/commands.cpp). For each run of a durable
// route the server appends those writes and the run's events here and waits for durable():
// one fdatasync serves every run that finished meanwhile (group-commit.mjs). Then it writes
// the run's puts into kv/ and its events into events.log, both unsynced, and answers. A
// postback costs one shared sync where it cost about ten of its own.
//
// After a power cut kv/ and events.log may have lost any of those unsynced writes; the log has
// every one that was acknowledged. recover(), before anything runs, writes them again (a put
// replaces, an add writes a missing or torn file, an event missing from events.log since the
// log began is appended), syncs what it wrote and empties the log. checkpoint() does the same
// while serving: it starts a new log, syncs events.log and the files the old log names, and
// deletes it; it runs when the log has grown and at an orderly stop. A power cut before the
// log's sync loses the run's events with its deferred writes: an event never outlives them.
//
//   {"op":"events_at","bytes":<events.log's size when the log began>}   its first line
//   {"op":"add"|"put","file":<kv file name>,"expires_at":<s>,"value":<text>}
//   {"op":"event","event":<the event's JSON object>}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { eachLimited } from './each-limited.mjs';
import { GroupCommit } from './group-commit.mjs';
import { decodeKey, encodeRecord, isTornWrite, TEMP_PREFIX } from './kv-dir.mjs';

const fdatasync = promisify(fs.fdatasync);
const fsync = promisify(fs.fsync);

export const CHECKPOINT_BYTES = 16 * 1024 * 1024;
export const CHECKPOINT_MS = 60_000;
const CHECKPOINT_RETRY_MS = 10_000;
const SYNC_CONCURRENCY = 8;
const LOG_NAME = /^([0-9]{1,15})\.log$/;

// -> the write a line describes, or null when it is not one (a line of another version, a
// line a power cut tore): a file name that is not the store's can never be written.
export function parseLedgerLine(text) {
  return writeOf(parseJson(text));
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function writeOf(record) {
  if (record === null || typeof record !== 'object') return null;
  const { op, file, expires_at: expiresAt, value } = record;
  if (op !== 'add' && op !== 'put') return null;
  if (typeof file !== 'string' || decodeKey(file) === null) return null;
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0 || typeof value !== 'string') return null;
  return { op, file, expiresAt, value };
}

// -> the record of any line of a log: a write, an event or where the log began; null if none.
function parseLogLine(text) {
  const record = parseJson(text);
  const write = writeOf(record);
  if (write) return write;
  if (record?.op === 'event' && typeof record.event?.id === 'string') return record;
  if (record?.op === 'events_at' && Number.isSafeInteger(record.bytes) && record.bytes >= 0) return record;
  return null;
}

export class LedgerLog {
  // dir: DATA/ledger; kvDir: DATA/kv; events: the EventsLog of DATA/events.log.
  // warn(line): what could not be replayed or checkpointed. checkpointMs: a log is
  // checkpointed at least this often, so that a replay never brings back an outbox entry that
  // was delivered and swept since (kept 30 days).
  constructor(dir, kvDir, events, { warn = () => {}, checkpointBytes = CHECKPOINT_BYTES, checkpointMs = CHECKPOINT_MS } = {}) {
    Object.assign(this, { dir, kvDir, events, warn, checkpointBytes, checkpointMs });
    this.seq = 0;
    this.fd = null;
    this.bytes = 0;
    this.headerBytes = 0;
    this.files = new Set();        // kv files the current log names
    this.unsynced = new Set();     // descriptors with appends not yet synced
    this.tornTail = false;         // an append failed part way: the next one starts a new line
    this.behind = { logs: [], files: new Set() };  // what failed checkpoints left to sync
    this.retryCheckpointAt = 0;
    this.checkpointing = null;
    this.timer = null;
    this.commit = new GroupCommit(() => this.#sync());
  }

  // Before any function runs: replays what a stopped runner's logs hold, makes it durable,
  // deletes those logs and opens a new one. -> { logs, writes, events } replayed.
  async recover() {
    fs.mkdirSync(this.dir, { recursive: true });
    const logs = this.#logs();
    const files = new Set();
    const replayed = { logs: logs.length, writes: 0, events: 0 };
    for (const { file } of logs) {
      const records = [...this.#records(file)];
      for (const record of records.filter((r) => r.op === 'add' || r.op === 'put')) {
        this.#replay(record);
        files.add(record.file);
        replayed.writes += 1;
      }
      replayed.events += this.#restoreEvents(records);
    }
    await this.#syncFiles(files);
    await this.events.durable();
    for (const { file } of logs) fs.rmSync(file, { force: true });
    this.#adopt(this.#create(logs.length ? logs[logs.length - 1].seq + 1 : 1));
    this.timer = setInterval(() => this.#checkpointSoon(), this.checkpointMs);
    this.timer.unref();
    return replayed;
  }

  // A run's writes (in the order it made them) and events: appended at once (the page cache),
  // durable once durable() resolves. Throws when they cannot be appended.
  append({ records, lines }, events) {
    const text = [...lines, ...events.map((event) => `{"op":"event","event":${event}}`)];
    if (text.length === 0) return;
    const bytes = Buffer.from(`${this.tornTail ? '\n' : ''}${text.join('\n')}\n`);
    let written = 0;
    try {
      while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written);
    } catch (error) {
      // Part of a line may be in the file: the next run's lines must not be glued to it.
      this.tornTail ||= written > 0;
      throw error;
    }
    this.tornTail = false;
    this.bytes += bytes.length;
    this.unsynced.add(this.fd);
    for (const record of records) this.files.add(record.file);
  }

  durable() {
    return this.commit.durable();
  }

  // The run's puts, once its writes are durable: into kv/, unsynced (the log holds them).
  apply(records) {
    for (const record of records) if (record.op === 'put') this.#replace(record);
    if (this.bytes >= this.checkpointBytes) this.#checkpointSoon();
  }

  // Starts a new log, syncs the files the old one names, deletes it.
  checkpoint() {
    this.checkpointing ??= this.#checkpoint().finally(() => {
      this.checkpointing = null;
    });
    return this.checkpointing;
  }

  async close() {
    clearInterval(this.timer);
    await this.checkpointing?.catch(() => {});
    try {
      await this.checkpoint();
    } finally {
      await this.commit.drain();
      if (this.fd !== null) fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  #checkpointSoon() {
    if (Date.now() < this.retryCheckpointAt) return;
    this.checkpoint().catch((error) => this.warn(`ledger checkpoint: ${error.message} (the log is kept and tried again)`));
  }

  // A failure leaves the old log and its files to the next checkpoint, and to the next start's
  // replay, which goes through every log left, in order.
  async #checkpoint() {
    if (this.bytes <= this.headerBytes && this.behind.logs.length === 0) return;
    const old = { fd: this.fd, file: this.#fileOf(this.seq), files: this.files };
    this.#adopt(this.#create(this.seq + 1));
    try {
      await this.commit.durable();  // what was appended to the old log, before it goes
      await this.events.durable();  // the old log's runs appended their events before that resolved
      await this.#syncFiles(new Set([...this.behind.files, ...old.files]));
    } catch (error) {
      this.behind.logs.push(old.file);
      for (const file of old.files) this.behind.files.add(file);
      this.retryCheckpointAt = Date.now() + CHECKPOINT_RETRY_MS;
      throw error;
    } finally {
      this.unsynced.delete(old.fd);
      fs.closeSync(old.fd);
    }
    for (const file of [...this.behind.logs, old.file]) fs.rmSync(file, { force: true });
    this.behind = { logs: [], files: new Set() };
  }

  // A new log with its first line written: -> { seq, fd, bytes }. Throws with nothing changed.
  #create(seq) {
    const file = this.#fileOf(seq);
    const fd = fs.openSync(file, 'a');
    try {
      const header = Buffer.from(`{"op":"events_at","bytes":${this.#eventsSize()}}\n`);
      fs.writeSync(fd, header);
      return { seq, fd, bytes: header.length };
    } catch (error) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw error;
    }
  }

  #adopt({ seq, fd, bytes }) {
    Object.assign(this, { seq, fd, bytes, headerBytes: bytes, files: new Set(), tornTail: false });
    this.unsynced.add(fd);
  }

  #eventsSize() {
    this.events.flush();
    try {
      return fs.statSync(this.events.file).size;
    } catch (error) {
      if (error.code === 'ENOENT') return 0;
      throw error;
    }
  }

  // The log's events that events.log lost (a power cut took its unsynced tail) are appended
  // again; events.log's readers drop a repeated id anyway. -> how many were appended.
  #restoreEvents(records) {
    const logged = records.filter((r) => r.op === 'event');
    if (logged.length === 0) return 0;
    const since = records.find((r) => r.op === 'events_at')?.bytes ?? 0;
    const present = this.#eventIdsFrom(since);
    const missing = logged.filter((r) => !present.has(r.event.id)).map((r) => JSON.stringify(r.event));
    if (missing.length) this.events.appendLines(this.#endsTorn() ? ['', ...missing] : missing);
    return missing.length;
  }

  // A power cut can leave events.log ending inside a line: what is appended starts a new one.
  #endsTorn() {
    let size;
    try {
      ({ size } = fs.statSync(this.events.file));
    } catch (error) {
      if (error.code === 'ENOENT') return false;
      throw error;
    }
    if (size === 0) return false;
    const fd = fs.openSync(this.events.file, 'r');
    try {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      return last[0] !== 0x0a;
    } finally {
      fs.closeSync(fd);
    }
  }

  #eventIdsFrom(offset) {
    let text;
    try {
      const buffer = fs.readFileSync(this.events.file);
      text = buffer.subarray(Math.min(offset, buffer.length)).toString('utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return new Set();
      throw error;
    }
    const ids = new Set();
    // A line that does not parse: one a power cut tore, or the part of one before the offset.
    for (const line of text.split('\n')) {
      const id = parseJson(line)?.id;
      if (typeof id === 'string') ids.add(id);
    }
    return ids;
  }

  async #sync() {
    const fds = [...this.unsynced];
    this.unsynced.clear();
    try {
      await Promise.all(fds.map((fd) => fdatasync(fd)));
    } catch (error) {
      for (const fd of fds) this.unsynced.add(fd);
      throw error;
    }
  }

  #fileOf(seq) {
    return path.join(this.dir, `${seq}.log`);
  }

  #logs() {
    return fs.readdirSync(this.dir)
      .map((name) => ({ name, match: LOG_NAME.exec(name) }))
      .filter(({ match }) => match)
      .map(({ name, match }) => ({ seq: Number(match[1]), file: path.join(this.dir, name) }))
      .sort((a, b) => a.seq - b.seq);
  }

  *#records(file) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (const [index, line] of lines.entries()) {
      if (line === '') continue;
      const record = parseLogLine(line);
      // The last line may be one a power cut tore: never acknowledged, nothing lost.
      if (record) yield record;
      else if (index < lines.length - 1) this.warn(`${file}:${index + 1}: not a ledger record, skipped`);
    }
  }

  // A put replaces; an add writes only a file that is missing or torn (empty), as the
  // function's link() would have: a file with content is this write or a newer one.
  #replay(record) {
    if (record.op === 'put') return this.#replace(record);
    const target = path.join(this.kvDir, record.file);
    let existing = null;
    try {
      existing = fs.readFileSync(target, { flag: fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW });
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    if (existing === null || isTornWrite(existing)) this.#replace(record);
  }

  #replace({ file, value, expiresAt }) {
    const temp = path.join(this.kvDir, `${TEMP_PREFIX}${crypto.randomBytes(12).toString('hex')}`);
    fs.writeFileSync(temp, encodeRecord(value, expiresAt), { flag: 'wx' });
    try {
      fs.renameSync(temp, path.join(this.kvDir, file));
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }

  async #syncFiles(files) {
    await eachLimited(files, SYNC_CONCURRENCY, async (file) => {
      let handle;
      try {
        handle = await fs.promises.open(path.join(this.kvDir, file), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      } catch (error) {
        if (error.code === 'ENOENT') return;  // swept since, or replaced by a write of its own sync
        throw error;
      }
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    const dir = fs.openSync(this.kvDir, 'r');
    try {
      await fsync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }
}
