// Local days and hours for reports, from the platform's Intl time zone data (Node and workerd
// both carry ICU). A report turns its range into UTC instants and its day/hour buckets into
// plain integer arithmetic over the offsets that apply inside the range, so that the same SQL
// runs on DuckDB and on SQLite (D1), which has no time zones.

const formatters = new Map();

function formatter(timeZone) {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, found);
  }
  return found;
}

// The canonical IANA name, or null when the platform does not know the zone.
export function canonicalTimeZone(name) {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

// Seconds to add to a UTC instant to get the wall clock in timeZone at that instant.
export function offsetAt(timeZone, seconds) {
  const parts = {};
  for (const part of formatter(timeZone).formatToParts(new Date(seconds * 1000))) parts[part.type] = part.value;
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute),
    Number(parts.second)) / 1000;
  return wall - seconds;
}

// The first instant of the local day 'YYYY-MM-DD' (its midnight, or the end of a gap that
// swallowed midnight), as UTC seconds.
export function startOfLocalDay(timeZone, date) {
  const midnight = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 1000;
  const reached = (seconds) => seconds + offsetAt(timeZone, seconds) >= midnight;
  // Offsets lie within +-26 hours: the answer is in this window, and the local clock, sampled
  // at its ends, is before and after midnight.
  let low = midnight - 26 * 3600;
  let high = midnight + 26 * 3600;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (reached(middle)) high = middle;
    else low = middle;
  }
  return high;
}

// [{ until, offset }]: the offsets in force over [from, to), in order; `until` is the instant
// the next one starts (the last one's is `to`). Transitions are found to the second.
export function offsetIntervals(timeZone, from, to) {
  const STEP = 6 * 3600;  // no zone changes its offset twice within six hours
  const intervals = [];
  let offset = offsetAt(timeZone, from);
  let checked = from;  // the offset is known to hold on [.., checked]
  // Probes every STEP and at the range's last second, so a change just before `to` is seen.
  for (let probe = Math.min(from + STEP, to - 1); checked < to - 1; probe = Math.min(probe + STEP, to - 1)) {
    const next = offsetAt(timeZone, probe);
    if (next !== offset) {
      let low = checked;
      let high = probe;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetAt(timeZone, middle) === offset) low = middle;
        else high = middle;
      }
      intervals.push({ until: high, offset });
      offset = next;
    }
    checked = probe;
  }
  intervals.push({ until: to, offset });
  return intervals;
}

// 'YYYY-MM-DD' for a count of local seconds since the epoch (a bucket's start).
export function dateOfLocalSeconds(localSeconds) {
  return new Date(localSeconds * 1000).toISOString().slice(0, 10);
}

// 'YYYY-MM-DDTHH:00' for a count of local seconds since the epoch.
export function hourOfLocalSeconds(localSeconds) {
  return `${new Date(localSeconds * 1000).toISOString().slice(0, 13)}:00`;
}

// Today's date in timeZone at the UTC instant `seconds`.
export function localDate(timeZone, seconds) {
  return dateOfLocalSeconds(seconds + offsetAt(timeZone, seconds));
}
