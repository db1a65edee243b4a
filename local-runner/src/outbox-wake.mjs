// How the delivery learns that an entry became due without listing the whole data directory
// (at a million files one listing takes seconds, and the outbox is looked at every second).
//
// - From the functions of this runner: the WASI adapter prints `edgepost-enqueue <id>` on stderr
//   for each enqueue command (host-lines.mjs), and the server hands the IDs to the dispatcher.
// - From another process (`outbox replay`): an empty file DATA/outbox-wake/<id>, which the
//   dispatcher reads and removes on its next tick. The directory holds only what is not taken
//   yet, so reading it costs nothing.
// - Anything missed (a runner killed between a function's write and its wake): the dispatcher
//   lists every entry when it starts, and again every rescan interval.

import fs from 'node:fs';
import path from 'node:path';
import { decodeKey, encodeKey } from './kv-dir.mjs';

// The wake directory of the data directory whose kv/ folder is `kvDir`.
export const wakeDirOf = (kvDir) => path.join(path.dirname(kvDir), 'outbox-wake');

export function markDue(kvDir, id) {
  const dir = wakeDirOf(kvDir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, encodeKey(id)), '');
}

// -> the IDs marked since the last call (each file is removed as it is read).
export async function takeMarked(kvDir) {
  const dir = wakeDirOf(kvDir);
  let names;
  try {
    names = await fs.promises.readdir(dir);
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const ids = [];
  for (const name of names) {
    await fs.promises.rm(path.join(dir, name), { force: true });
    const id = decodeKey(name);
    if (id !== null) ids.push(id);
  }
  return ids;
}
