// The Worker's report store: D1 (SQLite), loaded by the events Queue's consumer, with the
// schema and queries the runner's DuckDB store has (analytics/). Each batch of messages is
// one D1 batch, which D1 runs as one transaction: a consumer that fails acknowledges nothing,
// the Queue delivers the batch again, and rows keyed by event id take each event once.
//
// D1's integers reach JavaScript as doubles: money goes in as integer text and its sums come
// out as text (report-sql.mjs), so they stay exact.

// Copied into the bundle from analytics/src by CMake (wasm/workers/CMakeLists.txt).
import { rowsFromEvent } from './analytics/event-rows.mjs';
import { EXPLAIN_QUERIES } from './analytics/explain.mjs';
import { reportQueries } from './analytics/report-sql.mjs';
import { buildReport } from './analytics/report-table.mjs';
import { CLICK_COLUMNS, CONVERSION_COLUMNS, EVENT_COLUMNS, INDEXES, TABLES } from './analytics/schema.mjs';

const COLUMNS = { clicks: CLICK_COLUMNS, conversions: CONVERSION_COLUMNS, events: EVENT_COLUMNS };
const INSERTS = Object.fromEntries(Object.entries(COLUMNS).map(([table, columns]) =>
  [table, `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`]));

// Once per isolate: the tables exist before the first load or query.
let schemaReady = null;
function ensureSchema(db) {
  schemaReady ??= db.batch([...TABLES, ...INDEXES].map((sql) => db.prepare(sql))).catch((error) => {
    schemaReady = null;
    throw error;
  });
  return schemaReady;
}

// events: parsed JSON objects. -> { statements, skipped: [reasons] }
export function loadStatements(db, events) {
  const statements = [];
  const skipped = [];
  for (const event of events) {
    const parsed = rowsFromEvent(event);
    if (parsed.skip) {
      skipped.push(parsed.skip);
      continue;
    }
    for (const { table, row } of parsed.rows) {
      statements.push(db.prepare(INSERTS[table]).bind(...COLUMNS[table].map((column) => toD1(row[column]))));
    }
  }
  return { statements, skipped };
}

// Amounts (bigint) as decimal text: SQLite stores integer text in an INTEGER column as a
// 64-bit integer, exactly, where a JS number would round past 2^53.
function toD1(value) {
  if (value === undefined) return null;
  return typeof value === 'bigint' ? value.toString() : value;
}

// The events Queue's handler: the batch in one transaction, then acknowledged as a whole.
export async function consumeEvents(batch, env) {
  await ensureSchema(env.REPORTS_DB);
  const { statements, skipped } = loadStatements(env.REPORTS_DB, batch.messages.map((message) => message.body));
  for (const why of skipped) console.log(JSON.stringify({ type: 'error', time: Math.floor(Date.now() / 1000), what: 'event not loaded', detail: why }));
  if (statements.length > 0) await env.REPORTS_DB.batch(statements);
  batch.ackAll();
}

async function rows(db, sql, values = []) {
  const { results } = await db.prepare(sql).bind(...values).all();
  return results;
}

export async function report(db, spec) {
  await ensureSchema(db);
  const queries = reportQueries(spec);
  const clicks = queries.clicks === null ? null : await rows(db, queries.clicks);
  return buildReport(spec, clicks, await rows(db, queries.conversions));
}

export async function history(db, transactionId) {
  await ensureSchema(db);
  return { clicks: await rows(db, EXPLAIN_QUERIES.clicks, [transactionId]), events: await rows(db, EXPLAIN_QUERIES.events, [transactionId]) };
}
