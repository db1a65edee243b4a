// The operator's outbox commands (cli.mjs outbox list | replay).

import { normalizeEntry, OUTBOX_PREFIX, toSeconds } from './outbox-entry.mjs';
import { markDue } from './outbox-wake.mjs';

// [{ key, id, state, attempts, url, ... }] sorted by key; unreadable entries have state "unreadable".
export async function listEntries(kv, { state } = {}) {
  const entries = [];
  for (const key of await kv.list(OUTBOX_PREFIX)) {
    let entry;
    try {
      const text = await kv.readText(key);
      if (text === null) continue;
      entry = normalizeEntry(JSON.parse(text));
    } catch (error) {
      entry = { state: 'unreadable', attempts: 0, url: '', last_error: error.message };
    }
    if (state && entry.state !== state) continue;
    entries.push({ ...entry, key, id: key.slice(OUTBOX_PREFIX.length) });
  }
  return entries;
}

// Puts a dead entry back into the queue and wakes a running runner's delivery for it. Returns a
// sentence for the operator; throws with a specific message when the entry cannot be replayed.
export async function replayEntry(kv, id, nowMs = Date.now()) {
  const key = OUTBOX_PREFIX + id;
  const text = await kv.readText(key);
  if (text === null) throw new Error(`no outbox entry ${id}`);
  const entry = normalizeEntry(JSON.parse(text), nowMs);
  if (entry.state !== 'dead') throw new Error(`outbox entry ${id} is ${entry.state}, not dead: nothing to replay`);
  const replayed = {
    ...entry,
    state: 'pending',
    attempts: 0,
    next_attempt_at: toSeconds(nowMs),
    replayed_at: toSeconds(nowMs),
  };
  await kv.writeReplace(key, JSON.stringify(replayed));
  markDue(kv.dir, id);
  return `${id}: dead -> pending`;
}
