// Entries of a ClaimStore that expire (cap slots, clicks-per-minute counters) are deleted when
// they are due, not left behind as dead weight: each one also has an index key
// "expiry/<Unix seconds, 10 digits>/<key>", listed in order up to now by the object's alarm,
// so a sweep reads only what is due. An entry written again with a later expiry (or none) keeps
// its stale index key until it comes up, and is then kept: the sweep checks the entry itself.

export const EXPIRY_PREFIX = 'expiry/';
const SWEEP_BATCH = 500;

function indexKey(expires, key) {
  return `${EXPIRY_PREFIX}${String(expires).padStart(10, '0')}/${key}`;
}

// After writing `key` with `expires` (Unix seconds, 0: never): index it and make sure the alarm
// comes no later than it is due.
export async function indexExpiry(storage, key, expires) {
  if (!expires) return;
  await storage.put(indexKey(expires, key), key);
  const alarm = await storage.getAlarm();
  if (alarm === null || alarm > expires * 1000) await storage.setAlarm(expires * 1000);
}

// The alarm: delete what is due, then wake again for what is left.
export async function sweepExpired(storage, now) {
  const due = await storage.list({ prefix: EXPIRY_PREFIX, end: indexKey(now + 1, ''), limit: SWEEP_BATCH });
  for (const [index, key] of due) {
    const entry = await storage.get(key);
    if (entry && entry.expires && entry.expires <= now) await storage.delete(key);
    await storage.delete(index);
  }
  const next = await storage.list({ prefix: EXPIRY_PREFIX, limit: 1 });
  for (const [index] of next) {
    const expires = Number(index.slice(EXPIRY_PREFIX.length, EXPIRY_PREFIX.length + 10));
    await storage.setAlarm(Math.max(expires, now + 1) * 1000);
  }
}
