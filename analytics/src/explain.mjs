// "Explain this transaction ID": what the library says of the ID (its signature, fields, offer
// window and stored click: lib/include/edgepost/explain_api.hpp) joined with what the report
// store holds about it (the click, every postback that named it, the conversions with their
// status changes, each partner postback attempt), and a paragraph a support person can paste
// to an affiliate. The same for every host: each runs EXPLAIN_QUERIES on its store.

import { formatUnits, toUnits } from './money.mjs';

// Each takes the transaction ID (lowercase) as its one bound parameter.
export const EXPLAIN_QUERIES = Object.freeze({
  clicks: 'SELECT * FROM clicks WHERE transaction_id = ?',
  events: 'SELECT body FROM events WHERE transaction_id = ? ORDER BY time, id',
});

// idAnswer: the library's answer (JSON); rows: { clicks, events } from EXPLAIN_QUERIES.
export function buildExplanation(idAnswer, { clicks, events }) {
  const history = events.map((row) => JSON.parse(row.body));
  const explanation = {
    ...idAnswer,
    click: clicks.length > 0 ? clickOf(clicks[0]) : (idAnswer.click ?? null),
    postbacks: history.filter((e) => ['conversion', 'duplicate', 'rejection', 'test_postback'].includes(e.type)).map(postbackOf),
    conversions: conversionsOf(history),
    deliveries: history.filter((e) => e.type === 'partner_postback').map(deliveryOf),
  };
  explanation.summary = summarize(explanation);
  return explanation;
}

function clickOf(row) {
  const click = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === null || column === 'id') continue;
    click[column] = typeof value === 'bigint' ? Number(value) : value;
  }
  if (click.flags) click.flags = click.flags.split(',');
  return click;
}

function postbackOf(event) {
  if (event.type === 'conversion') {
    return { time: event.time, outcome: 'accepted', conversion_id: event.conversion_id, goal: event.goal, status: event.status };
  }
  if (event.type === 'duplicate') {
    return { time: event.time, outcome: 'duplicate', conversion_id: event.conversion_id, ...(event.params ? { params: event.params } : {}) };
  }
  if (event.type === 'test_postback') {
    return { time: event.time, outcome: 'test', status: event.status, ...(event.reason ? { reason: event.reason } : {}),
      ...(event.params ? { params: event.params } : {}) };
  }
  return { time: event.time, outcome: 'refused', reason: event.reason, message: event.message, ...(event.params ? { params: event.params } : {}) };
}

// One entry per conversion: as first recorded, then each status change in order.
function conversionsOf(history) {
  const byId = new Map();
  for (const event of history) {
    if (event.type !== 'conversion' && event.type !== 'status_change') continue;
    let conversion = byId.get(event.conversion_id);
    if (!conversion) {
      conversion = { conversion_id: event.conversion_id, goal: event.goal, changes: [], sequence: -1 };
      byId.set(event.conversion_id, conversion);
    }
    if (event.type === 'conversion') {
      Object.assign(conversion, { recorded: event.time, conversion_time: event.conversion_time ?? event.time, first_status: event.status,
        ...(event.reason ? { first_reason: event.reason } : {}) });
    } else {
      conversion.changes.push({ sequence: event.sequence, time: event.time, from: event.from, to: event.to, source: event.source,
        ...(event.note ? { note: event.note } : {}) });
    }
    // The latest state, whichever event told it.
    const sequence = event.type === 'conversion' ? 0 : event.sequence;
    if (sequence > conversion.sequence) {
      Object.assign(conversion, { sequence, status: event.status, revenue: event.revenue, payout: event.payout, currency: event.currency,
        reason: event.reason ?? null });
    }
  }
  return [...byId.values()].map(({ sequence: _latest, ...conversion }) => ({
    ...conversion,
    changes: conversion.changes.sort((a, b) => a.sequence - b.sequence),
  }));
}

function deliveryOf(event) {
  const { type: _type, id: _id, transaction_id: _tid, ...delivery } = event;
  return delivery;
}

const when = (seconds) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const money = (amount, currency) => `${formatUnits(toUnits(amount) ?? 0n)} ${currency}`;

const REASONS = {
  malformed: 'it is not shaped like an edgepost transaction ID (mistyped, cut short, or changed on the way)',
  unknown_version: 'it is of a format this network does not issue',
  unknown_key: 'it was signed with a key this network does not have (not issued here, or by a key since retired)',
  bad_signature: 'its signature does not match its content: it was altered or made up',
};

// The paragraph: the ID, then each conversion and its payout to the affiliate, then what was
// refused and why. Plain sentences, no internal names beyond the IDs a partner already sees.
export function summarize(x) {
  const parts = [];
  if (x.signature !== 'valid') {
    const claimed = x.claimed ? ` It claims offer ${x.claimed.offer_id} and affiliate ${x.claimed.aff_id}, clicked ${when(x.claimed.click_time)}.` : '';
    parts.push(`Transaction ID ${x.transaction_id} was not issued by this network as it stands: ${REASONS[x.signature] ?? x.signature}.${claimed}` +
      ' No conversion can be recorded for it.');
  } else {
    const offer = x.offer ? `offer ${x.offer.id} (${x.offer.name})` : `offer ${x.id.offer_id} (no longer in the configuration)`;
    parts.push(`Transaction ID ${x.transaction_id} is a click on ${offer} by affiliate ${x.id.aff_id} on ${when(x.id.click_time)}.`);
  }
  for (const c of x.conversions) {
    const changes = c.changes.map((change) => `changed to ${change.to} on ${when(change.time)} by the ${change.source}`).join(', then ');
    const why = c.reason ? ` (${c.reason.replaceAll('_', ' ')})` : '';
    parts.push(`Conversion ${c.conversion_id} (goal ${c.goal}) was recorded on ${when(c.recorded ?? c.conversion_time)} as ${c.first_status ?? c.status}` +
      `${changes ? `, ${changes}` : ''}; it is now ${c.status}${why}, payout ${money(c.payout, c.currency)}.` + deliverySentence(x, c));
  }
  if (x.signature === 'valid' && x.conversions.length === 0) {
    const window = x.attribution_ends === undefined ? '' : x.expired
      ? ` Its attribution window closed on ${when(x.attribution_ends)}: a postback for it now is refused as expired.`
      : ` A conversion can be reported until ${when(x.attribution_ends)}.`;
    parts.push(`No conversion has been recorded for it.${window}`);
  }
  const repeats = x.postbacks.filter((p) => p.outcome === 'duplicate').length;
  if (repeats > 0) parts.push(`The advertiser sent the same postback ${repeats} more time${repeats === 1 ? '' : 's'}; repeats are never counted again.`);
  const tests = x.postbacks.filter((p) => p.outcome === 'test').length;
  if (tests > 0) parts.push(`${tests} test postback${tests === 1 ? '' : 's'} (test=1) named it; a test records nothing.`);
  const refused = x.postbacks.filter((p) => p.outcome === 'refused');
  if (refused.length > 0) {
    const reasons = [...new Set(refused.map((p) => p.message ?? p.reason))].join('; ');
    parts.push(`${refused.length} postback${refused.length === 1 ? ' naming it was' : 's naming it were'} refused: ${reasons}.`);
  }
  return parts.join(' ');
}

function deliverySentence(x, conversion) {
  const attempts = x.deliveries.filter((d) => d.conversion_id === conversion.conversion_id || d.entry?.startsWith(`${conversion.conversion_id}-`));
  if (attempts.length === 0) return '';
  const last = attempts.at(-1);
  if (last.outcome === 'delivered') return ` The affiliate's postback was delivered on ${when(last.time)} (HTTP ${last.status}, attempt ${last.attempts}).`;
  if (last.outcome === 'dead') {
    return ` The affiliate's postback could not be delivered after ${last.attempts} attempt${last.attempts === 1 ? '' : 's'} (last: ${last.error}); ` +
      'it is kept and can be sent again.';
  }
  return ` The affiliate's postback has not been delivered yet: attempt ${last.attempts} failed (${last.error}) and it will be retried.`;
}
