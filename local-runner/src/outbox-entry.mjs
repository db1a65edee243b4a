// An outbox entry as stored (docs/data-directory.md "The partner-postback outbox").
//
// The postback function writes `outbox/<id>` if absent: {"id", "aff_id", "url", "created"}.
// The runner's delivery (outbox.mjs) adds its state to the same record:
//   state            "pending" | "delivered" | "dead"  (absent: a new record, i.e. pending)
//   attempts         attempts started so far
//   next_attempt_at  Unix seconds (with a millisecond fraction) of the next attempt
//   last_error       why the last attempt failed
//   delivered_at     Unix seconds

export const OUTBOX_PREFIX = 'outbox/';
export const STATES = ['pending', 'delivered', 'dead'];

export const toSeconds = (ms) => Math.round(ms) / 1000;

// The record as the wasm wrote it has no state: it is a pending entry that was never tried.
export function normalizeEntry(record, nowMs = Date.now()) {
  return {
    ...record,
    state: record.state ?? 'pending',
    attempts: record.attempts ?? 0,
    next_attempt_at: record.next_attempt_at ?? toSeconds(nowMs),
  };
}

// -> the normalized entry; throws with the reason on anything else.
export function parseEntry(text, nowMs = Date.now()) {
  const record = JSON.parse(text);
  if (typeof record?.url !== 'string') throw new Error('has no "url"');
  const entry = normalizeEntry(record, nowMs);
  if (!STATES.includes(entry.state)) throw new Error(`unknown state ${JSON.stringify(entry.state)}`);
  return entry;
}
