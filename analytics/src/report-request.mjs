// GET /api/reports (and `cli.mjs report`): its parameters, checked, as a report spec. Every
// host parses them here, so that both answer the same 400 for the same mistake.

import { canonicalTimeZone, localDate, startOfLocalDay } from './local-time.mjs';

// group_by names -> the report column they fill.
export const GROUPS = Object.freeze({
  day: 'day',
  hour: 'hour',
  offer: 'offer_id',
  affiliate: 'aff_id',
  goal: 'goal',
  status: 'status',
  aff_sub: 'aff_sub',
  aff_sub2: 'aff_sub2',
  aff_sub3: 'aff_sub3',
  aff_sub4: 'aff_sub4',
  aff_sub5: 'aff_sub5',
  source: 'source',
});

export const FILTERS = Object.freeze({ offer_id: 'offer_id', aff_id: 'aff_id', advertiser_id: 'advertiser_id' });

const PARAMETERS = new Set(['from', 'to', 'tz', 'group_by', 'format', ...Object.keys(FILTERS)]);
const MAX_DAYS = 366;
const MAX_GROUPS = 4;
const MAX_FILTER_IDS = 100;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export class ReportRequestError extends Error {
  constructor(parameter, message) {
    super(message);
    this.parameter = parameter;
  }
}

// params: URLSearchParams. now: UTC seconds. -> spec, or throws ReportRequestError.
//   spec: { from, to (dates, inclusive), tz, start, end (UTC seconds, [start, end)), groupBy
//           (group names), filters { column: [ids] }, format }
export function parseReportRequest(params, now) {
  for (const name of new Set(params.keys())) {
    if (!PARAMETERS.has(name)) throw new ReportRequestError(name, `unknown parameter "${name}"; known: ${[...PARAMETERS].join(', ')}`);
    if (params.getAll(name).length > 1) throw new ReportRequestError(name, `${name} is given more than once`);
  }
  const tzText = params.get('tz') ?? 'UTC';
  const tz = canonicalTimeZone(tzText);
  if (!tz) throw new ReportRequestError('tz', `tz: unknown time zone "${tzText}" (an IANA name such as America/New_York)`);

  const today = localDate(tz, now);
  const to = parseDate(params, 'to', today);
  const from = parseDate(params, 'from', shiftDate(to, -6));
  if (from > to) throw new ReportRequestError('from', `from (${from}) is after to (${to})`);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days > MAX_DAYS) throw new ReportRequestError('from', `the range is ${days} days; at most ${MAX_DAYS}`);

  const groupBy = parseGroups(params.get('group_by') ?? 'day');
  const filters = {};
  for (const [name, column] of Object.entries(FILTERS)) {
    if (params.has(name)) filters[column] = parseIds(name, params.get(name));
  }
  const format = params.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new ReportRequestError('format', `format must be json or csv, not "${format}"`);
  return { from, to, tz, start: startOfLocalDay(tz, from), end: startOfLocalDay(tz, shiftDate(to, 1)), groupBy, filters, format };
}

function parseDate(params, name, fallback) {
  if (!params.has(name)) return fallback;
  const text = params.get(name);
  const match = DATE.exec(text);
  const valid = match && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text && Number(match[1]) >= 2000 &&
    Number(match[1]) <= 2100;
  if (!valid) throw new ReportRequestError(name, `${name} must be a date YYYY-MM-DD from 2000 to 2100, not "${text}"`);
  return text;
}

function shiftDate(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function parseGroups(text) {
  const names = text === '' ? [] : text.split(',');
  if (names.length > MAX_GROUPS) throw new ReportRequestError('group_by', `group_by takes at most ${MAX_GROUPS} fields, not ${names.length}`);
  for (const name of names) {
    if (!Object.hasOwn(GROUPS, name)) {
      throw new ReportRequestError('group_by', `group_by: unknown field "${name}"; known: ${Object.keys(GROUPS).join(', ')}`);
    }
  }
  if (new Set(names).size !== names.length) throw new ReportRequestError('group_by', 'group_by names a field twice');
  if (names.includes('day') && names.includes('hour')) throw new ReportRequestError('group_by', 'group_by takes day or hour, not both');
  return names;
}

function parseIds(name, text) {
  const ids = text.split(',');
  if (ids.length > MAX_FILTER_IDS) throw new ReportRequestError(name, `${name} lists at most ${MAX_FILTER_IDS} ids`);
  return ids.map((id) => {
    if (!/^\d{1,10}$/.test(id) || Number(id) < 1 || Number(id) > 0xffffffff) {
      throw new ReportRequestError(name, `${name} must be ids from 1 to 4294967295, comma-separated, not "${text}"`);
    }
    return Number(id);
  });
}
