// Local days for reports: midnights and offsets across DST, half-hour zones and midnight gaps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalTimeZone, localDate, offsetAt, offsetIntervals, startOfLocalDay } from '../../analytics/src/local-time.mjs';

const iso = (seconds) => new Date(seconds * 1000).toISOString().replace('.000', '');
const at = (text) => Date.parse(text) / 1000;

test('local time: the first instant of a local day', () => {
  assert.equal(iso(startOfLocalDay('UTC', '2026-03-08')), '2026-03-08T00:00:00Z');
  assert.equal(iso(startOfLocalDay('America/New_York', '2026-03-08')), '2026-03-08T05:00:00Z');  // EST
  assert.equal(iso(startOfLocalDay('America/New_York', '2026-03-09')), '2026-03-09T04:00:00Z');  // EDT: a 23-hour day before
  assert.equal(iso(startOfLocalDay('America/New_York', '2026-11-02')), '2026-11-02T05:00:00Z');  // after a 25-hour day
  assert.equal(iso(startOfLocalDay('Asia/Kolkata', '2026-01-01')), '2025-12-31T18:30:00Z');
  assert.equal(iso(startOfLocalDay('Pacific/Kiritimati', '2026-01-01')), '2025-12-31T10:00:00Z');  // +14
  // Chile springs forward at midnight: 2026-09-06 starts at 01:00 local, 04:00Z.
  assert.equal(iso(startOfLocalDay('America/Santiago', '2026-09-06')), '2026-09-06T04:00:00Z');
});

test('local time: offsets over a range, each transition to the second', () => {
  const from = startOfLocalDay('Europe/Berlin', '2026-03-01');
  const to = startOfLocalDay('Europe/Berlin', '2026-11-01');
  assert.deepEqual(offsetIntervals('Europe/Berlin', from, to).map(({ until, offset }) => [iso(until), offset]), [
    ['2026-03-29T01:00:00Z', 3600],
    ['2026-10-25T01:00:00Z', 7200],
    ['2026-10-31T23:00:00Z', 3600],
  ]);
  assert.deepEqual(offsetIntervals('UTC', from, to), [{ until: to, offset: 0 }]);
  // A change in the last hours of the range (Chile falls back at midnight on 2024-04-07).
  const santiago = offsetIntervals('America/Santiago', startOfLocalDay('America/Santiago', '2024-04-01'),
    startOfLocalDay('America/Santiago', '2024-04-07'));
  assert.deepEqual(santiago.map(({ until, offset }) => [iso(until), offset]),
    [['2024-04-07T03:00:00Z', -3 * 3600], ['2024-04-07T04:00:00Z', -4 * 3600]]);
  assert.equal(offsetAt('Australia/Lord_Howe', at('2026-01-15T00:00:00Z')), 11 * 3600);
  assert.equal(offsetAt('Australia/Lord_Howe', at('2026-07-15T00:00:00Z')), 10.5 * 3600);
});

test('local time: zone names', () => {
  assert.equal(canonicalTimeZone('America/New_York'), 'America/New_York');
  assert.equal(canonicalTimeZone('utc'), 'UTC');
  for (const bad of ['Mars/Olympus', '', 'America/New York', '../etc', 'X'.repeat(80), 7]) assert.equal(canonicalTimeZone(bad), null, String(bad));
  assert.equal(localDate('America/New_York', at('2026-03-08T04:59:59Z')), '2026-03-07');
  assert.equal(localDate('Asia/Tokyo', at('2026-03-07T15:00:00Z')), '2026-03-08');
});
