// A report spec (report-request.mjs) -> the two queries that answer it: clicks and conversions,
// each grouped the same way. Only integers the spec has checked and names from fixed lists go
// into the SQL text; nothing a caller typed does. The SQL is the common part of DuckDB and
// SQLite: integer arithmetic for local days and hours (local-time.mjs), CASE sums.

import { offsetIntervals } from './local-time.mjs';
import { GROUPS } from './report-request.mjs';

const STATUSES = Object.freeze(['approved', 'pending', 'rejected']);
const CLICKLESS_GROUPS = new Set(['goal', 'status']);  // a click has neither

// -> { clicks: sql | null (the grouping does not apply to clicks), conversions: sql }
export function reportQueries(spec) {
  const local = localTimeSql(spec);
  return {
    clicks: spec.groupBy.some((name) => CLICKLESS_GROUPS.has(name)) ? null : clicksSql(spec, local),
    conversions: conversionsSql(spec, local),
  };
}

function clicksSql(spec, local) {
  const keys = spec.groupBy.map((name) => `${keyExpression(name, 'c', local('c.time'))} AS ${GROUPS[name]}`);
  return [
    `SELECT ${[...keys, 'COUNT(*) AS clicks'].join(', ')}`,
    'FROM clicks c',
    `WHERE ${conditions(spec, 'c').join(' AND ')}`,
    groupByClause(keys.length),
  ].join('\n');
}

function conversionsSql(spec, local) {
  const keys = spec.groupBy.map((name) => `${keyExpression(name, 'v', local('v.time'))} AS ${GROUPS[name]}`);
  const counts = STATUSES.map((status) => `SUM(CASE WHEN v.status = '${status}' THEN 1 ELSE 0 END) AS ${status}`);
  // Money counts approved conversions; grouped by status, each status row counts its own.
  const counted = spec.groupBy.includes('status') ? '1 = 1' : "v.status = 'approved'";
  // As text: exact whatever the driver makes of a large integer (D1's are doubles in JS).
  const money = ['revenue', 'payout'].map((column) => `CAST(SUM(CASE WHEN ${counted} THEN v.${column} ELSE 0 END) AS TEXT) AS ${column}`);
  const needsClick = spec.groupBy.some((name) => name === 'source' || name.startsWith('aff_sub'));
  return [
    `SELECT ${[...keys, 'v.currency AS currency', ...counts, ...money].join(', ')}`,
    'FROM conversions v',
    // A conversion's sub IDs are its click's; one whose click record is missing groups as null.
    ...(needsClick ? ['LEFT JOIN clicks c ON c.transaction_id = v.transaction_id'] : []),
    `WHERE ${[...conditions(spec, 'v'),
      'NOT EXISTS (SELECT 1 FROM conversions later WHERE later.conversion_id = v.conversion_id AND later.sequence > v.sequence)'].join(' AND ')}`,
    groupByClause(keys.length + 1),
  ].join('\n');
}

function keyExpression(name, table, localTime) {
  if (name === 'day') return `(${localTime}) - (${localTime}) % 86400`;
  if (name === 'hour') return `(${localTime}) - (${localTime}) % 3600`;
  const column = GROUPS[name];
  if (column.startsWith('aff_sub') || column === 'source') return `c.${column}`;
  return `${table}.${column}`;
}

function conditions(spec, table) {
  const where = [`${table}.time >= ${integer(spec.start)}`, `${table}.time < ${integer(spec.end)}`];
  for (const [column, ids] of Object.entries(spec.filters)) {
    where.push(`${table}.${column} IN (${ids.map(integer).join(', ')})`);
  }
  return where;
}

function groupByClause(count) {
  return count === 0 ? '' : `GROUP BY ${Array.from({ length: count }, (_, i) => i + 1).join(', ')}`;
}

// (column) -> SQL for local seconds: the column plus the offset in force at that instant.
function localTimeSql(spec) {
  const intervals = offsetIntervals(spec.tz, spec.start, spec.end);
  return (column) => {
    if (intervals.length === 1) return `${column} + ${integer(intervals[0].offset)}`;
    const cases = intervals.slice(0, -1).map(({ until, offset }) => `WHEN ${column} < ${integer(until)} THEN ${integer(offset)}`);
    return `${column} + CASE ${cases.join(' ')} ELSE ${integer(intervals.at(-1).offset)} END`;
  };
}

function integer(value) {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
  return String(value);
}
