// Reads DATA/events.log from a byte position, whole lines only: a line still being appended
// is left for the next read.

import crypto from 'node:crypto';
import fs from 'node:fs';

const FINGERPRINT_BYTES = 4096;

// -> { fileId, size } or null when there is no log yet. fileId names this log: its device and
// inode, and a hash of its first line, since a replaced log often gets the inode just freed.
export async function logIdentity(file) {
  let handle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    const buffer = Buffer.alloc(FINGERPRINT_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, FINGERPRINT_BYTES, 0);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    const firstLine = newline < 0 ? Buffer.alloc(0) : buffer.subarray(0, newline);
    const fingerprint = crypto.createHash('sha256').update(firstLine).digest('hex').slice(0, 16);
    return { fileId: `${stat.dev}:${stat.ino}:${fingerprint}`, size: Number(stat.size) };
  } finally {
    await handle.close();
  }
}

const TAIL_BYTES = 256;

// -> a hash of the bytes just before `position` ('' at 0): what a reader that stopped there
// stores with its position, to tell that the bytes it read are still the bytes before it. After
// a power cut the log can lose its unsynced tail and get events appended again by the
// recovery, reaching the old position with other lines before it.
export async function tailFingerprint(file, position) {
  if (position === 0) return '';
  const handle = await fs.promises.open(file, 'r');
  try {
    const length = Math.min(position, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position - length);
    return crypto.createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex').slice(0, 32);
  } finally {
    await handle.close();
  }
}

// -> { lines: [text], next: position after the last whole line } (lines empty at the end).
// A line longer than maxBytes is skipped whole, reported through onLongLine(position, length).
export async function readLines(file, position, maxBytes, { onLongLine = () => {} } = {}) {
  const handle = await fs.promises.open(file, 'r');
  try {
    let size = maxBytes;
    for (;;) {
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await handle.read(buffer, 0, size, position);
      const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end >= 0) {
        const text = buffer.subarray(0, end).toString('utf8');
        return { lines: text.split('\n'), next: position + end + 1 };
      }
      if (bytesRead < size) return { lines: [], next: position };  // an unfinished last line
      if (size >= maxBytes * 16) {
        const skipped = await skipLine(handle, position + size);
        if (skipped === null) return { lines: [], next: position };
        onLongLine(position, skipped - position);
        return { lines: [], next: skipped };
      }
      size *= 4;
    }
  } finally {
    await handle.close();
  }
}

// The position just after the next newline at or after `from`, or null if none yet.
async function skipLine(handle, from) {
  const buffer = Buffer.alloc(64 * 1024);
  for (let at = from; ;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) return null;
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (newline >= 0) return at + newline + 1;
    at += bytesRead;
  }
}
