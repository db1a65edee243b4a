// The report store at the size issue 13 names (a benchmark, not a test): printed figures only.
//   1. loading: events.log -> DuckDB through the runner's loader (ReportStore.load), events/s,
//      over --events generated events (default 1,000,000: nine clicks to one conversion);
//   2. a 30-day report grouped by day and offer over --clicks click rows (default 10,000,000)
//      and a tenth as many conversions, generated inside DuckDB (loading them through the log
//      would take the loader's own time again), median of 5 runs.
//   node tests/bench/reports.mjs [--events N] [--clicks N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseReportRequest } from '../../analytics/src/report-request.mjs';
import { ReportStore } from '../../local-runner/src/report-store.mjs';

const { values } = parseArgs({ options: { events: { type: 'string' }, clicks: { type: 'string' } } });
const EVENTS = Number(values.events ?? 1_000_000);
const CLICKS = Number(values.clicks ?? 10_000_000);
const START = Date.parse('2026-03-01T00:00:00Z') / 1000;
const DAYS = 30;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-report-bench-'));
try {
  const loading = await benchLoading(dir);
  const querying = await benchReport(dir);
  console.log('| what | data | figure | bar |');
  console.log('|---|---|---|---|');
  console.log(`| loading events.log into DuckDB | ${loading.events.toLocaleString('en')} events (${(loading.bytes / 1e6).toFixed(0)} MB of log) | ` +
    `${Math.round(loading.rate).toLocaleString('en')} events/s | >= 20,000 events/s |`);
  console.log(`| 30-day report, group_by=day,offer | ${CLICKS.toLocaleString('en')} clicks, ${(CLICKS / 10).toLocaleString('en')} conversions | ` +
    `${querying.medianMs.toFixed(0)} ms median of 5 (${querying.rows} rows) | < 1 s |`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

async function benchLoading(folder) {
  const log = path.join(folder, 'events.log');
  const out = fs.openSync(log, 'w');
  let lines = [];
  for (let i = 0; i < EVENTS; i += 1) {
    const tid = `t${i.toString(36).padStart(12, '0')}`;
    const time = START + Math.floor((i * DAYS * 86400) / EVENTS);
    lines.push(i % 10 === 9
      ? JSON.stringify({ type: 'conversion', id: `conversion:c${i}`, conversion_id: `c${i}`, transaction_id: tid, offer_id: 1 + (i % 50),
        aff_id: 1 + (i % 200), advertiser_id: 1 + (i % 5), goal: 'sale', status: i % 3 ? 'approved' : 'pending', revenue: '12.34',
        payout: '8.10', currency: 'USD', click_time: time - 60, time, attributed_from: 'click' })
      : JSON.stringify({ type: 'click', id: `click:${tid}`, transaction_id: tid, offer_id: 1 + (i % 50), aff_id: 1 + (i % 200),
        advertiser_id: 1 + (i % 5), time, aff_sub: `s${i % 1000}` }));
    if (lines.length === 10_000) {
      fs.writeSync(out, `${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length) fs.writeSync(out, `${lines.join('\n')}\n`);
  fs.closeSync(out);
  const store = await ReportStore.open(path.join(folder, 'loading.duckdb'));
  try {
    const started = performance.now();
    const { loaded } = await store.load(log);
    return { events: loaded, bytes: fs.statSync(log).size, rate: loaded / ((performance.now() - started) / 1000) };
  } finally {
    await store.close();
  }
}

async function benchReport(folder) {
  const store = await ReportStore.open(path.join(folder, 'report.duckdb'));
  try {
    const span = DAYS * 86400;
    await store.query(`INSERT INTO clicks SELECT 'click:t' || i, 't' || i, ${START} + (i * ${span}) // ${CLICKS}, 1 + i % 50, 1 + i % 200,
      1 + i % 5, NULL, 's' || (i % 1000), NULL, NULL, NULL, NULL, NULL FROM range(${CLICKS}) r(i)`);
    await store.query(`INSERT INTO conversions SELECT 'conversion:c' || i, 'c' || i, 0, 't' || i, ${START} + (i * ${span}) // ${CLICKS} + 60,
      ${START} + (i * ${span}) // ${CLICKS} + 60, 1 + i % 50, 1 + i % 200, 1 + i % 5, 'sale', CASE WHEN i % 3 = 0 THEN 'pending' ELSE 'approved' END,
      'USD', 1234000, 810000, NULL FROM range(0, ${CLICKS}, 10) r(i)`);
    const spec = parseReportRequest(new URLSearchParams('from=2026-03-01&to=2026-03-30&group_by=day,offer&tz=America/New_York'), START + span);
    const times = [];
    let rows = 0;
    for (let run = 0; run < 5; run += 1) {
      const started = performance.now();
      rows = (await store.report(spec)).rows.length;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { medianMs: times[2], rows };
  } finally {
    await store.close();
  }
}
