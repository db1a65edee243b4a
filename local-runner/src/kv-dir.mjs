// The Node side of docs/data-directory.md: a directory with one file per key, shared with the
// WASI functions (which see it preopened as /kv). The C++ side is wasm/wasi/kv_dir.hpp; both
// must agree on the name encoding, the header and the write protocols below.
//
//   file name:  key bytes a-z 0-9 _ - kept, every other byte written as %XX (uppercase hex)
//   contents:   "edgepost-kv 1 <expires_at>\n" + value   (expires_at: Unix seconds, 0 = never)
//   replace:    write .tmp-<random>, fsync, rename over the name
//   if absent:  write .tmp-<random>, fsync, link() to the name (EEXIST: someone else has it)

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eachLimited } from './each-limited.mjs';

export const MAX_NAME_BYTES = 240;
export const TEMP_PREFIX = '.tmp-';
// Files the sweeps work on at once: enough to keep libuv's four threads busy.
export const SWEEP_CONCURRENCY = 8;
const HEADER = /^edgepost-kv 1 (0|[1-9][0-9]{0,15})\n/;
// Records are opened without following a symbolic link, as the functions open them
// (wasm/wasi/kv_dir.cpp): nothing this store writes is a link, so one in the directory is
// refused (ELOOP) rather than read through, and the sweep leaves it alone.
const READ_RECORD = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;

const isKeptByte = (b) => (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2d;

export function encodeKey(key) {
  if (typeof key !== 'string' || key.length === 0) throw new Error('a KV key must be a non-empty string');
  let name = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    name += isKeptByte(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (name.length > MAX_NAME_BYTES) {
    throw new Error(`KV key is too long: its file name would be ${name.length} bytes (limit ${MAX_NAME_BYTES})`);
  }
  return name;
}

// The inverse of encodeKey; null for any name encodeKey cannot produce (temporary files, stray
// files, lowercase or needless escapes), so that every key has exactly one file name.
export function decodeKey(name) {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_BYTES) return null;
  const bytes = [];
  for (let i = 0; i < name.length; ) {
    const code = name.charCodeAt(i);
    if (isKeptByte(code)) {
      bytes.push(code);
      i += 1;
    } else if (code === 0x25 && /^[0-9A-F]{2}$/.test(name.slice(i + 1, i + 3))) {
      const byte = Number.parseInt(name.slice(i + 1, i + 3), 16);
      if (isKeptByte(byte)) return null;
      bytes.push(byte);
      i += 3;
    } else {
      return null;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

export function encodeRecord(value, expiresAt = 0) {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new Error(`expiresAt must be Unix seconds or 0, not ${expiresAt}`);
  return Buffer.concat([Buffer.from(`edgepost-kv 1 ${expiresAt}\n`), Buffer.from(value)]);
}

// Both stores write every name through a temporary file, so a name never shows an empty file
// but one: an unsynced write (a click record) whose data a power cut kept from the disk. It
// holds nothing: it reads as absent, and the sweep deletes it (docs/data-directory.md).
export const isTornWrite = (buffer) => buffer.length === 0;

// -> { value: Buffer, expiresAt } ; throws on a file that does not start with the header.
export function decodeRecord(buffer, name = 'record') {
  const head = buffer.subarray(0, 64).toString('latin1');
  const match = HEADER.exec(head);
  if (!match) throw new Error(`${name}: not an edgepost-kv 1 record (bad header)`);
  return { value: buffer.subarray(match[0].length), expiresAt: Number(match[1]) };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
// A record is absent from its expiry second on.
export const isExpired = (expiresAt, now = nowSeconds()) => expiresAt !== 0 && expiresAt <= now;

export class KvDir {
  // onExpiring(fileName, expiresAt): told of each record this process writes with an expiry
  // (the runner's expiry index, expiry-index.mjs).
  constructor(dir, { onExpiring = null } = {}) {
    this.dir = dir;
    this.onExpiring = onExpiring;
  }

  ensure() {
    fs.mkdirSync(this.dir, { recursive: true });
    return this;
  }

  fileOf(key) {
    return path.join(this.dir, encodeKey(key));
  }

  // -> { value: Buffer, expiresAt } or null when absent or expired.
  async read(key, { now = nowSeconds() } = {}) {
    const file = this.fileOf(key);
    let buffer;
    try {
      buffer = await fs.promises.readFile(file, { flag: READ_RECORD });
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      throw error;
    }
    if (isTornWrite(buffer)) return null;
    const record = decodeRecord(buffer, file);
    return isExpired(record.expiresAt, now) ? null : record;
  }

  async readText(key, options) {
    const record = await this.read(key, options);
    return record === null ? null : record.value.toString('utf8');
  }

  // Atomic replace: readers see the old record or the new one, never a mix.
  async writeReplace(key, value, { expiresAt = 0 } = {}) {
    const file = this.fileOf(key);
    const temp = await this.#writeTemp(encodeRecord(value, expiresAt));
    try {
      await fs.promises.rename(temp, file);
    } catch (error) {
      await fs.promises.rm(temp, { force: true });
      throw error;
    }
    this.#expiring(file, expiresAt);
    await this.#syncDir();
  }

  // Creates the record only if the key has no file. Returns true if this call wrote it.
  // The name appears through link(), so it only ever names a complete, fsynced record.
  // As in wasm/wasi/kv_dir.cpp, an expired record that the sweep has not deleted yet still
  // holds its key: deleting it here could race with another process's fresh value.
  async writeIfAbsent(key, value, { expiresAt = 0 } = {}) {
    const file = this.fileOf(key);
    const temp = await this.#writeTemp(encodeRecord(value, expiresAt));
    try {
      await fs.promises.link(temp, file);
      this.#expiring(file, expiresAt);
      await this.#syncDir();
      return true;
    } catch (error) {
      if (error.code === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.promises.rm(temp, { force: true });
    }
  }

  // Returns true if a file was removed.
  async remove(key) {
    try {
      await fs.promises.unlink(this.fileOf(key));
      return true;
    } catch (error) {
      if (error.code === 'ENOENT') return false;
      throw error;
    }
  }

  // Keys (not file names) that start with `prefix`, sorted. Expiry is not checked here: the
  // caller reads each one anyway. Names that decode to no key are skipped.
  async list(prefix = '') {
    const namePrefix = prefix === '' ? '' : encodeKey(prefix);
    const names = await fs.promises.readdir(this.dir);
    const keys = [];
    for (const name of names) {
      if (!name.startsWith(namePrefix)) continue;
      const key = decodeKey(name);
      if (key !== null) keys.push(key);
    }
    return keys.sort();
  }

  // Deletes expired records and temporary files older than tmpMaxAgeMs (leftovers of a writer
  // that died between writing and renaming). Returns counts.
  //
  // It walks the directory as a stream, with every file operation on libuv's threads and a few
  // files at a time: a synchronous unlink can wait hundreds of milliseconds on the file system's
  // journal while many deletes go through, and requests would wait with it (506 ms measured at
  // 500,000 deletes). The work is O(records): the runner walks only when its expiry index may
  // miss records (expiry-index.mjs), and once a day. An aborted signal ends it early.
  async sweep({ now = nowSeconds(), nowMs = Date.now(), tmpMaxAgeMs = 60_000, signal } = {}) {
    const result = { expired: 0, leftovers: 0, unreadable: 0 };
    let dir;
    try {
      dir = await fs.promises.opendir(this.dir, { bufferSize: 64 });
    } catch (error) {
      if (error.code === 'ENOENT') return result;
      throw error;
    }
    // Leaving the loop early closes the directory.
    await eachLimited(dir, SWEEP_CONCURRENCY, (entry) => this.#sweepOne(entry.name, now, nowMs, tmpMaxAgeMs, result), signal);
    return result;
  }

  async #sweepOne(name, now, nowMs, tmpMaxAgeMs, result) {
    const file = path.join(this.dir, name);
    if (name.startsWith(TEMP_PREFIX)) {
      const stat = await statOrNull(file);
      if (stat && nowMs - stat.mtimeMs > tmpMaxAgeMs && (await unlinkOrFalse(file))) result.leftovers += 1;
      return;
    }
    if (decodeKey(name) === null) return;  // not ours: leave it alone
    try {
      if (await removeIfExpired(file, now)) result.expired += 1;
    } catch {
      result.unreadable += 1;
    }
  }

  // Deletes the record stored under `name` (a file name, as encodeKey makes them) if it is
  // expired at `now`; a name that is no key's is left alone. -> true if it deleted it.
  async removeIfExpired(name, now = nowSeconds()) {
    if (decodeKey(name) === null) return false;
    return removeIfExpired(path.join(this.dir, name), now);
  }

  #expiring(file, expiresAt) {
    if (expiresAt > 0) this.onExpiring?.(path.basename(file), expiresAt);
  }

  async #writeTemp(bytes) {
    const temp = path.join(this.dir, `${TEMP_PREFIX}${crypto.randomBytes(8).toString('hex')}`);
    const handle = await fs.promises.open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fs.promises.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    return temp;
  }

  // The new name itself must survive a power cut, not just the file's data.
  async #syncDir() {
    const handle = await fs.promises.open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

// The sweep's delete: removes `file` if it holds an expired record or nothing (isTornWrite). The inode check keeps a file
// replaced between the read and the unlink (by a function on a worker thread or in another
// process) alive. Returns true if it deleted the file.
async function removeIfExpired(file, now) {
  let handle;
  try {
    handle = await fs.promises.open(file, READ_RECORD);
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ELOOP') return false;
    throw error;
  }
  let inode;
  let record;
  try {
    inode = (await handle.stat()).ino;
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const read = head.subarray(0, bytesRead);
    record = isTornWrite(read) ? null : decodeRecord(read, file);
  } finally {
    await handle.close();
  }
  if (record !== null && !isExpired(record.expiresAt, now)) return false;
  try {
    if ((await fs.promises.lstat(file)).ino !== inode) return false;  // replaced meanwhile: a live record
    await fs.promises.unlink(file);
    return true;
  } catch (error) {
    if (error.code === 'ENOENT') return false;
    throw error;
  }
}

async function statOrNull(file) {
  try {
    return await fs.promises.stat(file);
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

async function unlinkOrFalse(file) {
  try {
    await fs.promises.unlink(file);
    return true;
  } catch (error) {
    if (error.code === 'ENOENT') return false;
    throw error;
  }
}
