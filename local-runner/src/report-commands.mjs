// `cli.mjs report`, `explain ID` and `reports rebuild`: the report and explain APIs from a
// terminal, on a data directory (its report store loaded from events.log first), or through a
// running runner (--url, with EDGEPOST_ADMIN_TOKEN).

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildExplanation } from '../../analytics/src/explain.mjs';
import { parseReportRequest, ReportRequestError } from '../../analytics/src/report-request.mjs';
import { reportCsv, reportLines } from '../../analytics/src/report-table.mjs';
import { createEngine } from './engine.mjs';
import { KvDir } from './kv-dir.mjs';
import { ReportStore, ReportStoreBusyError } from './report-store.mjs';
import { existingSigningKeys } from './signing-keys.mjs';

const STORE_FILE = 'reports.duckdb';

export async function report(options, { out, err, env }) {
  let answer;
  if (options.url) {
    const params = new URLSearchParams(options.params);
    params.set('format', options.format === 'csv' ? 'csv' : 'json');
    const response = await askRunner(options.url, `/api/reports?${params}`, env);
    if (response.status !== 200) return refused(err, response);
    answer = options.format === 'csv' ? response.text : JSON.parse(response.text);
  } else {
    let spec;
    try {
      spec = parseReportRequest(options.params, Math.floor(Date.now() / 1000));
    } catch (error) {
      if (!(error instanceof ReportRequestError)) throw error;
      err(`edgepost: --${error.message}`);
      return 2;
    }
    answer = await withStore(options.dataDir, err, (store) => store.report(spec));
    if (options.format === 'csv') answer = reportCsv(answer);
  }
  if (options.format === 'csv') out(answer.trimEnd());
  else if (options.format === 'json') out(JSON.stringify(answer, null, 2));
  else out(table(answer));
  return 0;
}

export async function explain(options, { out, err, env }) {
  let explanation;
  if (options.url) {
    const response = await askRunner(options.url, `/api/explain/${encodeURIComponent(options.id)}`, env);
    if (response.status !== 200) return refused(err, response);
    explanation = JSON.parse(response.text);
  } else {
    const idAnswer = await explainId(options, env);
    explanation = await withStore(options.dataDir, err, async (store) => buildExplanation(idAnswer, await store.history(idAnswer.transaction_id)));
  }
  out(options.json ? JSON.stringify(explanation, null, 2) : explanationText(explanation));
  return 0;
}

// Emptied and loaded again inside the store, never by deleting its file: DuckDB's lock then
// refuses while a serve has it open.
export async function rebuild(options, { out, err }) {
  const file = path.join(options.dataDir, STORE_FILE);
  const { loaded, skipped } = await withStore(options.dataDir, err, async (store) => {
    await store.reset();
    return store.load(path.join(options.dataDir, 'events.log'), { onSkip: (why) => err(`reports: skipped ${why}`) });
  }, { load: false });
  out(`reports: ${file} rebuilt from ${path.join(options.dataDir, 'events.log')}: ${loaded} events loaded, ${skipped} lines skipped`);
  return 0;
}

// Opens the store (refusing politely while serve has it), loads events.log (unless load is
// false), then use(store).
async function withStore(dataDir, err, use, { load = true } = {}) {
  const logFile = path.join(dataDir, 'events.log');
  if (!fs.existsSync(dataDir)) throw new Error(`${dataDir} does not exist: is it a data directory?`);
  let store;
  try {
    store = await ReportStore.open(path.join(dataDir, STORE_FILE));
  } catch (error) {
    if (!(error instanceof ReportStoreBusyError)) throw error;
    throw new Error(`${error.message}; ask that runner instead: --url http://HOST:PORT (with EDGEPOST_ADMIN_TOKEN)`);
  }
  try {
    if (load) await store.load(logFile, { onSkip: (why) => err(`reports: skipped ${why}`) });
    return await use(store);
  } finally {
    await store.close();
  }
}

// The postback function's explain API, run once here with the data directory's keys and a
// token made for this one call.
async function explainId(options, env) {
  const token = crypto.randomBytes(24).toString('hex');
  const kvDir = path.join(options.dataDir, 'kv');
  new KvDir(kvDir).ensure();  // a data directory that never served has none: nothing is stored
  const engine = await createEngine({
    kind: options.engine,
    functionsDir: options.functionsDir,
    kvDir,
    secrets: { ...existingSigningKeys(options.dataDir, env).env, EDGEPOST_ADMIN_TOKEN: token },
    functions: ['postback'],
    threads: 0,
  });
  try {
    const result = await engine.cgi('postback', {
      method: 'GET', path: `/api/explain/${options.id}`, query: '', headers: { authorization: `Bearer ${token}` }, body: '', remoteAddr: '127.0.0.1',
    });
    const text = Buffer.from(result.body).toString('utf8');
    if (result.status !== 200) throw new Error(`explain: ${JSON.parse(text).message ?? text}`);
    return JSON.parse(text);
  } finally {
    await engine.close?.();
  }
}

async function askRunner(origin, pathAndQuery, env) {
  const token = env.EDGEPOST_ADMIN_TOKEN ?? '';
  if (!token) throw new Error('--url needs EDGEPOST_ADMIN_TOKEN, the runner\'s admin token, in the environment');
  const response = await fetch(`${origin}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  return { status: response.status, text: await response.text() };
}

function refused(err, response) {
  let message = response.text;
  try {
    message = JSON.parse(response.text).message ?? message;
  } catch { /* not JSON: shown as it came */ }
  err(`edgepost: HTTP ${response.status}: ${message}`);
  return 1;
}

// Columns padded to their widest value; numbers right-aligned.
function table(answer) {
  const lines = reportLines(answer).map((line) => line.map((value) => (value === null || value === undefined ? '-' : String(value))));
  const widths = lines[0].map((_, i) => Math.max(...lines.map((line) => line[i].length)));
  const numeric = lines[0].map((_, i) => lines.slice(1).every((line) => /^-?[\d.]+$|^-$/.test(line[i])));
  const heading = `${answer.from} to ${answer.to} (${answer.tz})`;
  return [heading, ...lines.map((line) => line.map((value, i) => (numeric[i] ? value.padStart(widths[i]) : value.padEnd(widths[i]))).join('  ').trimEnd())]
    .join('\n');
}

const at = (seconds) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

function explanationText(x) {
  const rows = [['transaction ID', x.transaction_id]];
  if (x.signature === 'valid') {
    rows.push(['signature', `valid (key ${x.id.key_id})`]);
    rows.push(['click', `${at(x.id.click_time)}, offer ${x.id.offer_id}${x.offer ? ` (${x.offer.name})` : ''}, affiliate ${x.id.aff_id}` +
      `${x.click?.aff_sub ? `, aff_sub ${x.click.aff_sub}` : ''}${x.click?.source ? `, source ${x.click.source}` : ''}`]);
    if (x.attribution_ends !== undefined) rows.push(['window', `${x.expired ? 'closed' : 'open until'} ${at(x.attribution_ends)}`]);
    if (x.late_postbacks_end !== undefined) rows.push(['late postbacks', `accepted until ${at(x.late_postbacks_end)}`]);
  } else {
    rows.push(['signature', `${x.signature}: ${x.message}`]);
  }
  for (const p of x.postbacks) {
    const would = p.outcome === 'test' ? `: would be ${p.status}` : '';
    rows.push(['postback', `${at(p.time)} ${p.outcome}${would}${p.conversion_id ? ` ${p.conversion_id}` : ''}${p.reason ? ` (${p.reason})` : ''}`]);
  }
  for (const c of x.conversions) {
    rows.push(['conversion', `${c.conversion_id} ${c.goal} ${c.status}, revenue ${c.revenue} ${c.currency}, payout ${c.payout} ${c.currency}`]);
    for (const change of c.changes) rows.push(['', `${at(change.time)} ${change.from} -> ${change.to} (${change.source})`]);
  }
  for (const d of x.deliveries) {
    rows.push(['delivery', `${at(d.time)} ${d.outcome}, attempt ${d.attempts}${d.status ? `, HTTP ${d.status}` : ''}${d.error ? `: ${d.error}` : ''}`]);
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  return `${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n\n${x.summary}`;
}
