// One event (a line of events.log, a message of the Worker's queue) -> the rows it adds to the
// report store, or a reason it adds none.

import { toUnits } from './money.mjs';
import { SUB_COLUMNS } from './schema.mjs';

// -> { rows: [{ table: 'clicks' | 'conversions' | 'events', row: { column: value } }] }
//    | { skip: reason }
export function rowsFromEvent(event) {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return { skip: 'not a JSON object' };
  if (typeof event.id !== 'string' || event.id === '') return { skip: 'no event id' };
  if (!isTime(event.time)) return { skip: `event ${event.id}: no time` };
  if (event.type === 'click') return clickRow(event);
  if (typeof event.type !== 'string' || event.type === '') return { skip: `event ${event.id}: no type` };
  const whole = { table: 'events', row: eventRow(event) };
  if (event.type !== 'conversion' && event.type !== 'status_change') return { rows: [whole] };
  const conversion = conversionRow(event);
  return conversion.skip ? conversion : { rows: [conversion, whole] };
}

// Every event but clicks, whole: what explain shows (clicks are many, and their rows hold them).
function eventRow(event) {
  return {
    id: event.id,
    type: event.type,
    time: event.time,
    transaction_id: textOrNull(event.transaction_id),
    conversion_id: textOrNull(event.conversion_id),
    body: JSON.stringify(event),
  };
}

function clickRow(event) {
  if (typeof event.transaction_id !== 'string' || !isId(event.offer_id) || !isId(event.aff_id)) {
    return { skip: `event ${event.id}: not a whole click` };
  }
  const row = {
    id: event.id,
    transaction_id: event.transaction_id,
    time: event.time,
    offer_id: event.offer_id,
    aff_id: event.aff_id,
    advertiser_id: isId(event.advertiser_id) ? event.advertiser_id : null,
    flags: Array.isArray(event.flags) && event.flags.length > 0 ? event.flags.join(',') : null,
  };
  for (const column of SUB_COLUMNS) row[column] = textOrNull(event[column]);
  return { rows: [{ table: 'clicks', row }] };
}

function conversionRow(event) {
  const revenue = toUnits(event.revenue);
  const payout = toUnits(event.payout);
  const sequence = event.type === 'conversion' ? 0 : event.sequence;
  const happened = event.type === 'conversion' ? (event.conversion_time ?? event.time) : event.conversion_time;
  const whole = typeof event.conversion_id === 'string' && typeof event.transaction_id === 'string' && isId(event.offer_id) &&
    isId(event.aff_id) && isId(event.advertiser_id) && typeof event.goal === 'string' && typeof event.status === 'string' &&
    typeof event.currency === 'string' && revenue !== null && payout !== null && Number.isSafeInteger(sequence) && sequence >= 0 &&
    isTime(happened);
  if (!whole) return { skip: `event ${event.id}: not a whole ${event.type}` };
  const row = {
    id: event.id,
    conversion_id: event.conversion_id,
    sequence,
    transaction_id: event.transaction_id,
    time: happened,
    recorded: event.time,
    offer_id: event.offer_id,
    aff_id: event.aff_id,
    advertiser_id: event.advertiser_id,
    goal: event.goal,
    status: event.status,
    currency: event.currency,
    revenue,
    payout,
    reason: textOrNull(event.reason),
  };
  return { table: 'conversions', row };  // with the event's own row: rowsFromEvent
}

const isId = (value) => Number.isSafeInteger(value) && value > 0;
const isTime = (value) => Number.isSafeInteger(value) && value >= 0;
const textOrNull = (value) => (typeof value === 'string' ? value : null);
