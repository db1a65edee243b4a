// The reports dashboard: GET /api/reports (by day, offer, affiliate) and GET /api/explain/ID,
// with the admin token the person types once per browser tab. No framework and no build step;
// every value from the API goes into the page as text (textContent), never as markup, since
// sub IDs and messages come from clicks and postbacks. uPlot (window.uPlot) draws the chart.

const TOKEN_KEY = 'edgepost-admin-token';
const FILTER_IDS = ['offer_id', 'aff_id', 'advertiser_id'];
const $ = (id) => document.getElementById(id);

// The last day report and the chart drawn from it: a currency change redraws without a request.
const state = { days: null, currency: null, chart: null, loads: 0 };

// --- the API -----------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    const message = body?.message ?? `the server answered HTTP ${status}`;
    // A 400 names its parameter; say it even if the message does not start with it.
    super(body?.parameter && !message.startsWith(body.parameter) ? `${body.parameter}: ${message}` : message);
    this.status = status;
  }
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` }, cache: 'no-store' });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// 401: the token is wrong or the API is off; ask again and say why. Otherwise show the message.
function showFailure(error, where) {
  if (error.status === 401) {
    askForToken(`The token was refused: ${error.message}`);
    return;
  }
  where.textContent = error instanceof ApiError ? error.message : `The request failed: ${error.message}`;
  where.hidden = false;
}

// --- the token ---------------------------------------------------------------------------------

function askForToken(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('token-form').hidden = false;
  $('token-message').textContent = message;
  $('token').value = '';
  $('token').focus();
}

function openDashboard() {
  $('token-form').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
  loadReports();
}

// --- the controls ------------------------------------------------------------------------------

function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// Today's date in the zone (an unknown zone: the browser's), as YYYY-MM-DD.
function today(tz) {
  let format;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    format = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: '2-digit', day: '2-digit' });
  }
  const part = Object.fromEntries(format.formatToParts(new Date()).map(({ type, value }) => [type, value]));
  return `${part.year}-${part.month}-${part.day}`;
}

function shiftDate(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function setDefaultControls() {
  $('tz').value = browserTimeZone();
  $('to').value = today($('tz').value);
  $('from').value = shiftDate($('to').value, -6);  // the last 7 days, today included
}

function reportPath(groupBy) {
  const params = new URLSearchParams({ from: $('from').value, to: $('to').value });
  const tz = $('tz').value.trim();
  if (tz) params.set('tz', tz);
  params.set('group_by', groupBy);
  for (const name of FILTER_IDS) {
    const ids = $(name).value.replace(/\s+/g, '');
    if (ids) params.set(name, ids);
  }
  return `/api/reports?${params}`;
}

// --- the reports -------------------------------------------------------------------------------

async function loadReports() {
  const load = ++state.loads;
  $('error').hidden = true;
  $('status').textContent = 'Loading…';
  try {
    const [days, offers, affiliates] = await Promise.all(['day', 'offer', 'affiliate'].map((group) => api(reportPath(group))));
    if (load !== state.loads) return;  // a newer request is under way: its answer wins
    $('status').textContent = `${days.from} to ${days.to}, ${days.tz}`;
    renderTotals(days.totals);
    renderTable($('by-offer'), 'Offer', 'offer_id', offers.rows);
    renderTable($('by-affiliate'), 'Affiliate', 'aff_id', affiliates.rows);
    $('report').hidden = false;
    state.days = days;
    chooseCurrency(days.totals.money);
    renderChart();
    // What is on screen, for a reader (or a test) to know which question it answers.
    $('report').dataset.range = `${days.from}..${days.to} ${days.tz}`;
  } catch (error) {
    if (load !== state.loads) return;
    $('status').textContent = '';
    $('report').hidden = true;
    delete $('report').dataset.range;
    showFailure(error, $('error'));
  }
}

// Builds an element; children are nodes or text (never parsed as HTML).
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// A figure: the exact value in data-value, the text with thousands separators. Money stays the
// API's decimal text (no floating point on the way).
function figure(tag, field, value, attributes = {}) {
  const text = value === null || value === undefined ? '—' : String(value).replace(/^-?\d+/, (whole) => whole.replace(/\B(?=(\d{3})+$)/g, ','));
  return el(tag, { ...attributes, 'data-field': field, 'data-value': value ?? '' }, text);
}

const COUNTS = [['clicks', 'Clicks'], ['approved', 'Approved'], ['pending', 'Pending'], ['rejected', 'Rejected'], ['conversion_rate', 'CR %']];
const MONEY = [['revenue', 'Revenue'], ['payout', 'Payout'], ['profit', 'Profit'], ['epc', 'EPC']];

function renderTotals(totals) {
  const item = (label, field, value) => el('div', { class: 'figure' }, el('span', { class: 'label' }, label), figure('span', field, value, { class: 'value' }));
  const counts = [COUNTS[0], ['conversions', 'Conversions'], ...COUNTS.slice(1)].map(([field, label]) => item(label, field, totals[field]));
  const money = totals.money.map((entry) => el('div', { class: 'money', 'data-currency': entry.currency },
    el('span', { class: 'currency' }, entry.currency), ...MONEY.map(([field, label]) => item(label, field, entry[field]))));
  $('totals').replaceChildren(el('div', { class: 'counts' }, ...counts), ...money);
}

// One <tbody data-group="ID"> per row of the report, one line per currency; the counts span
// the lines.
function renderTable(table, label, column, rows) {
  const head = el('thead', {}, el('tr', {}, ...[label, ...COUNTS.map(([, name]) => name), 'Currency', ...MONEY.map(([, name]) => name)]
    .map((name) => el('th', { scope: 'col' }, name))));
  if (rows.length === 0) {
    table.replaceChildren(head, el('tbody', {}, el('tr', {}, el('td', { colspan: 1 + COUNTS.length + 1 + MONEY.length, class: 'muted' }, 'Nothing in this range'))));
    return;
  }
  const bodies = rows.map((row) => {
    const money = row.money.length > 0 ? row.money : [null];
    const span = String(money.length);
    const lines = money.map((entry, i) => {
      const moneyCells = entry
        ? [el('td', { class: 'currency' }, entry.currency), ...MONEY.map(([field]) => figure('td', field, entry[field]))]
        : [el('td', { class: 'muted' }, '—'), ...MONEY.map(([field]) => figure('td', field, null))];
      const countCells = i === 0
        ? [el('th', { scope: 'row', rowspan: span }, row[column] === null ? 'none' : String(row[column])),
          ...COUNTS.map(([field]) => figure('td', field, row[field], { rowspan: span }))]
        : [];
      return el('tr', { 'data-currency': entry?.currency }, ...countCells, ...moneyCells);
    });
    return el('tbody', { 'data-group': row[column] ?? 'none' }, ...lines);
  });
  table.replaceChildren(head, ...bodies);
}

// --- the chart ---------------------------------------------------------------------------------

// The currency whose revenue the chart shows: the one chosen before if still there, else the one
// that earned the most.
function chooseCurrency(money) {
  const currencies = money.map((entry) => entry.currency);
  if (!currencies.includes(state.currency)) {
    state.currency = [...money].sort((a, b) => Number(b.revenue) - Number(a.revenue))[0]?.currency ?? null;
  }
  $('currency').replaceChildren(...currencies.map((currency) => el('option', { value: currency }, currency)));
  $('currency').value = state.currency ?? '';
  $('currency-choice').hidden = currencies.length < 2;
}

function everyDay(from, to) {
  const days = [];
  for (let day = from; day <= to; day = shiftDate(day, 1)) days.push(day);
  return days;
}

const fromZero = (u, min, max) => [0, max > 0 ? max * 1.1 : 1];
const dayOf = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);
// Ticks on whole days only (a report by day has nothing between them), labelled as dates.
const DAY_AXIS = { space: 90, incrs: [1, 2, 7, 14, 28, 91].map((days) => days * 86_400), values: (u, ticks) => ticks.map(dayOf) };

function renderChart() {
  const { days: report, currency } = state;
  const byDay = new Map(report.rows.map((row) => [row.day, row]));
  const days = everyDay(report.from, report.to);  // days without events are zeros, not gaps
  const revenueOf = (row) => Number(row?.money.find((entry) => entry.currency === currency)?.revenue ?? 0);
  const data = [
    days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000),
    days.map((day) => byDay.get(day)?.clicks ?? 0),
    days.map((day) => (byDay.get(day)?.approved ?? 0) + (byDay.get(day)?.pending ?? 0)),
  ];
  const series = [{ label: 'Day', value: (u, v) => (v === null ? '—' : dayOf(v)) }, { label: 'Clicks', scale: 'count', stroke: '#2563eb', width: 2 },
    { label: 'Conversions', scale: 'count', stroke: '#16a34a', width: 2 }];
  const axes = [DAY_AXIS, { scale: 'count', label: 'clicks, conversions' }];
  if (currency) {
    data.push(days.map((day) => revenueOf(byDay.get(day))));
    series.push({ label: `Revenue ${currency}`, scale: 'money', stroke: '#d97706', width: 2, value: (u, v) => (v === null ? '—' : v.toFixed(2)) });
    axes.push({ scale: 'money', side: 1, label: `revenue ${currency}`, grid: { show: false } });
  }
  const box = $('chart');
  state.chart?.destroy();
  state.chart = new window.uPlot({
    width: Math.max(box.clientWidth, 300),
    height: 280,
    // The x values are the report's local days written as UTC midnights: place ticks in UTC.
    tzDate: (seconds) => window.uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    scales: { x: { time: true }, count: { range: fromZero }, money: { range: fromZero } },
    series,
    axes,
  }, data, box);
}

// --- the explain view --------------------------------------------------------------------------

const when = (seconds) => (typeof seconds === 'number' ? `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—');
const shown = (value) => (Array.isArray(value) ? value.join(', ') : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

// Field -> value, times readable.
function fields(object) {
  const list = el('dl', { class: 'fields' });
  for (const [name, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    const text = /time|ends$/.test(name) && typeof value === 'number' ? when(value) : shown(value);
    const nested = typeof value === 'object' && !Array.isArray(value);
    list.append(el('dt', {}, name), el('dd', { 'data-field': name }, nested ? fields(value) : text));
  }
  return list;
}

function listTable(id, columns, items) {
  if (items.length === 0) return el('p', { id, class: 'muted' }, 'None.');
  return el('table', { id }, el('thead', {}, el('tr', {}, ...columns.map((name) => el('th', { scope: 'col' }, name)))),
    el('tbody', {}, ...items.map((item) => el('tr', {}, ...columns.map((name) =>
      el('td', { 'data-field': name }, name === 'time' ? when(item[name]) : item[name] === undefined ? '' : shown(item[name])))))));
}

function conversionView(c) {
  const heading = `Conversion ${c.conversion_id} (goal ${c.goal}): ${c.status}, revenue ${c.revenue} ${c.currency}, payout ${c.payout} ${c.currency}`;
  const recorded = el('li', {}, `${when(c.recorded ?? c.conversion_time)}: recorded as ${c.first_status ?? c.status}`);
  const changes = c.changes.map((change) => el('li', {},
    `${when(change.time)}: ${change.from} → ${change.to} by the ${change.source}${change.note ? ` (${change.note})` : ''}`));
  return el('div', { class: 'conversion', 'data-conversion': c.conversion_id }, el('h4', {}, heading), el('ol', {}, recorded, ...changes));
}

function renderExplanation(x) {
  const { summary, click, postbacks, conversions, deliveries, ...verdict } = x;
  $('explain').replaceChildren(
    el('p', { id: 'explain-summary', class: 'summary' }, summary),
    el('h3', {}, 'The ID'), fields(verdict),
    el('h3', {}, 'Click'), click ? fields(click) : el('p', { class: 'muted' }, 'No stored click.'),
    el('h3', {}, 'Postbacks'), listTable('explain-postbacks', ['time', 'outcome', 'conversion_id', 'goal', 'status', 'reason', 'message'], postbacks),
    el('h3', {}, 'Conversions'), conversions.length ? el('div', { id: 'explain-conversions' }, ...conversions.map(conversionView)) : el('p', { class: 'muted' }, 'None.'),
    el('h3', {}, 'Partner postbacks'), listTable('explain-deliveries', ['time', 'entry', 'outcome', 'attempts', 'status', 'error'], deliveries),
  );
  $('explain').hidden = false;
  $('explain').dataset.id = x.transaction_id;
}

async function lookUp(id) {
  $('lookup-error').hidden = true;
  $('explain').hidden = true;
  delete $('explain').dataset.id;
  try {
    renderExplanation(await api(`/api/explain/${encodeURIComponent(id)}`));
  } catch (error) {
    showFailure(error, $('lookup-error'));
  }
}

// --- wiring ------------------------------------------------------------------------------------

function start() {
  setDefaultControls();
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    openDashboard();
  });
  $('sign-out').addEventListener('click', () => askForToken());
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadReports();
  });
  $('currency').addEventListener('change', () => {
    state.currency = $('currency').value;
    renderChart();
  });
  $('lookup').addEventListener('submit', (event) => {
    event.preventDefault();
    lookUp($('lookup-id').value.trim());
  });
  new ResizeObserver(() => state.chart?.setSize({ width: Math.max($('chart').clientWidth, 300), height: 280 })).observe($('chart'));
  if (sessionStorage.getItem(TOKEN_KEY)) openDashboard();
  else askForToken();
}

start();
