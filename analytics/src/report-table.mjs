// The rows the two report queries return -> the report: one row per group with its clicks,
// conversions by status, and money per currency (approved conversions only), plus totals; as
// JSON or CSV. Money stays exact: sums arrive as integers of 1/100000 (bigint from DuckDB,
// number from SQLite) and leave as decimal text.

import { dateOfLocalSeconds, hourOfLocalSeconds } from './local-time.mjs';
import { divideUnits, formatUnits, percent } from './money.mjs';
import { GROUPS } from './report-request.mjs';

// clickRows: [{ <group columns>, clicks }] or null; conversionRows: [{ <group columns>,
// currency, approved, pending, rejected, revenue, payout }]
export function buildReport(spec, clickRows, conversionRows) {
  const columns = spec.groupBy.map((name) => GROUPS[name]);
  const groups = new Map();
  const groupOf = (row) => {
    const values = columns.map((column) => label(column, row[column]));
    const key = JSON.stringify(values);
    let group = groups.get(key);
    if (!group) {
      group = { values, clicks: clickRows ? 0n : null, approved: 0n, pending: 0n, rejected: 0n, money: new Map() };
      groups.set(key, group);
    }
    return group;
  };
  for (const row of clickRows ?? []) groupOf(row).clicks += BigInt(row.clicks);
  for (const row of conversionRows) addConversions(groupOf(row), row);

  const total = { values: [], clicks: clickRows ? 0n : null, approved: 0n, pending: 0n, rejected: 0n, money: new Map() };
  for (const group of groups.values()) {
    if (total.clicks !== null) total.clicks += group.clicks;
    for (const status of ['approved', 'pending', 'rejected']) total[status] += group[status];
    for (const [currency, sums] of group.money) addMoney(total, currency, sums.revenue, sums.payout);
  }
  const rows = [...groups.values()].sort((a, b) => compareValues(a.values, b.values)).map((group) => reportRow(columns, group));
  return {
    from: spec.from,
    to: spec.to,
    tz: spec.tz,
    group_by: spec.groupBy,
    rows,
    totals: reportRow([], total),
  };
}

function addConversions(group, row) {
  for (const status of ['approved', 'pending', 'rejected']) group[status] += BigInt(row[status]);
  addMoney(group, row.currency, BigInt(row.revenue), BigInt(row.payout));
}

function addMoney(group, currency, revenue, payout) {
  const sums = group.money.get(currency) ?? { revenue: 0n, payout: 0n };
  sums.revenue += revenue;
  sums.payout += payout;
  group.money.set(currency, sums);
}

function reportRow(columns, group) {
  const row = {};
  columns.forEach((column, i) => { row[column] = group.values[i]; });
  const conversions = group.approved + group.pending + group.rejected;
  Object.assign(row, {
    clicks: group.clicks === null ? null : Number(group.clicks),
    conversions: Number(conversions),
    approved: Number(group.approved),
    pending: Number(group.pending),
    rejected: Number(group.rejected),
    // approved conversions per 100 clicks
    conversion_rate: group.clicks ? percent(group.approved, group.clicks) : null,
    money: [...group.money.keys()].sort().map((currency) => {
      const { revenue, payout } = group.money.get(currency);
      return {
        currency,
        revenue: formatUnits(revenue),
        payout: formatUnits(payout),
        profit: formatUnits(revenue - payout),
        // revenue per click: what a click of this group earned the network
        epc: group.clicks ? divideUnits(revenue, group.clicks) : null,
      };
    }),
  });
  return row;
}

function label(column, value) {
  if (value === null || value === undefined) return null;
  if (column === 'day') return dateOfLocalSeconds(Number(value));
  if (column === 'hour') return hourOfLocalSeconds(Number(value));
  if (column === 'offer_id' || column === 'aff_id') return Number(value);
  return String(value);
}

function compareValues(a, b) {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] === b[i]) continue;
    if (a[i] === null) return 1;  // "none" after every value
    if (b[i] === null) return -1;
    return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

const LINE_COUNTS = ['clicks', 'conversions', 'approved', 'pending', 'rejected', 'conversion_rate'];
const LINE_MONEY = ['currency', 'revenue', 'payout', 'profit', 'epc'];

// The report as lines of values, a header first: one line per group and currency (a group
// without money: one line, currency empty); the group's counts repeat on each of its currency
// lines. The totals come last, group columns empty and the first one reading "total".
export function reportLines(report) {
  const columns = report.group_by.map((name) => GROUPS[name]);
  const lines = [[...columns, ...LINE_COUNTS, ...LINE_MONEY]];
  const emit = (row, groupValues) => {
    const counts = LINE_COUNTS.map((name) => row[name]);
    const money = row.money.length > 0 ? row.money : [{}];
    for (const entry of money) lines.push([...groupValues, ...counts, ...LINE_MONEY.map((name) => entry[name] ?? null)]);
  };
  for (const row of report.rows) emit(row, columns.map((column) => row[column]));
  emit(report.totals, columns.map((_, i) => (i === 0 ? 'total' : null)));
  return lines;
}

export function reportCsv(report) {
  return `${reportLines(report).map((line) => line.map(csvField).join(',')).join('\r\n')}\r\n`;
}

function csvField(value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // A leading = + - @ would be read as a formula by a spreadsheet: sub IDs come from clicks.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
