// The report's parameters: defaults, the range in UTC, and the CSV's escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReportRequest } from '../../analytics/src/report-request.mjs';
import { reportQueries } from '../../analytics/src/report-sql.mjs';
import { reportCsv } from '../../analytics/src/report-table.mjs';

const NOW = Date.parse('2026-03-10T03:00:00Z') / 1000;  // still 03-09 in New York

test('report request: defaults are the last seven days of the zone, grouped by day, as JSON', () => {
  const spec = parseReportRequest(new URLSearchParams('tz=America/New_York'), NOW);
  assert.deepEqual({ ...spec, start: undefined, end: undefined },
    { from: '2026-03-03', to: '2026-03-09', tz: 'America/New_York', groupBy: ['day'], filters: {}, format: 'json', start: undefined, end: undefined });
  assert.equal(spec.start, Date.parse('2026-03-03T05:00:00Z') / 1000);
  assert.equal(spec.end, Date.parse('2026-03-10T04:00:00Z') / 1000);
});

test('report request: filters are id lists; the SQL holds only checked integers', () => {
  const spec = parseReportRequest(new URLSearchParams('from=2026-03-01&to=2026-03-01&group_by=offer,aff_sub&offer_id=1,2&advertiser_id=9'), NOW);
  assert.deepEqual(spec.filters, { offer_id: [1, 2], advertiser_id: [9] });
  const { clicks, conversions } = reportQueries(spec);
  assert.match(clicks, /c\.offer_id IN \(1, 2\) AND c\.advertiser_id IN \(9\)/);
  assert.match(conversions, /LEFT JOIN clicks c ON c\.transaction_id = v\.transaction_id/);
  assert.equal(reportQueries(parseReportRequest(new URLSearchParams('group_by=status'), NOW)).clicks, null);
});

test('report CSV: quotes what needs quoting and defuses spreadsheet formulas', () => {
  const row = (aff_sub) => ({ aff_sub, clicks: 1, conversions: 0, approved: 0, pending: 0, rejected: 0, conversion_rate: '0.00', money: [] });
  const csv = reportCsv({ group_by: ['aff_sub'], rows: [row('a,"b"'), row('=HYPERLINK("x")'), row('-5'), row('@x')], totals: row(null) });
  assert.deepEqual(csv.split('\r\n').slice(1, 5).map((line) => line.split(',')[0]), ['"a', `"'=HYPERLINK(""x"")"`, '-5', "'@x"]);
});
