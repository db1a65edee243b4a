// The event of one partner postback attempt, the same from every host's outbox: "explain"
// lists them under the conversion whose entry they deliver (an entry's id is
// "<conversion id>-<affiliate id>[-reversal]", lib/conversion_postbacks.cpp).
//
// outcome: delivered (2xx), failed (will be retried), dead (given up: attempts spent, or a
// target the policy refuses). Each attempt's event has its own id, so none is dropped as a
// repeat of another; a "dead" that follows a failed attempt without a new one (the runner
// interrupted during it, the Worker's dead-letter queue) keeps that attempt's number.

// entry: { id, aff_id, url, conversion_id?, transaction_id? } (the outbox entry the library
// wrote); attempts: how many have been made, this one included.
export function deliveryEvent(entry, outcome, { attempts, status, error, time }) {
  return {
    type: 'partner_postback',
    // A replayed entry counts its attempts from 0 again: the replay's time keeps their ids apart.
    id: `partner_postback:${entry.id}:${entry.replayed_at ? `${entry.replayed_at}:` : ''}${attempts}:${outcome}`,
    entry: entry.id,
    ...(entry.conversion_id ? { conversion_id: entry.conversion_id } : {}),
    ...(entry.transaction_id ? { transaction_id: entry.transaction_id } : {}),
    time,
    outcome,
    aff_id: entry.aff_id,
    url: entry.url,
    attempts,
    ...(status ? { status } : {}),
    ...(error ? { error } : {}),
  };
}
