// The runner's report store (DuckDB) loading events.log: in batches, resuming where it stopped,
// counting each event id once, and losing or doubling nothing when killed mid-batch.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { logIdentity } from '../src/events-log-reader.mjs';
import { ReportStore, ReportStoreBusyError } from '../src/report-store.mjs';
import { tempDir } from './helpers.mjs';

const STORE_MODULE = fileURLToPath(new URL('../src/report-store.mjs', import.meta.url));

const clickLine = (i) => JSON.stringify({ type: 'click', id: `click:t${i}`, transaction_id: `t${i}`, offer_id: 1 + (i % 3), aff_id: 7,
  time: 1_772_000_000 + i });
const conversionLine = (i) => JSON.stringify({ type: 'conversion', id: `conversion:v${i}`, conversion_id: `v${i}`, transaction_id: `t${i}`,
  offer_id: 1, aff_id: 7, advertiser_id: 3, goal: 'sale', status: 'approved', revenue: '0.10', payout: '0.07', currency: 'USD',
  time: 1_772_000_000 + i, click_time: 0, attributed_from: 'click' });

async function totals(store) {
  const [row] = await store.query(`SELECT (SELECT COUNT(*) FROM clicks) AS clicks, (SELECT COUNT(*) FROM conversions) AS conversions,
    (SELECT SUM(revenue) FROM conversions) AS revenue, (SELECT COUNT(DISTINCT id) FROM clicks) AS distinct_clicks`);
  return { clicks: Number(row.clicks), conversions: Number(row.conversions), revenue: BigInt(row.revenue ?? 0), distinct: Number(row.distinct_clicks) };
}

async function openStore(t, dir) {
  const store = await ReportStore.open(path.join(dir, 'reports.duckdb'));
  t.after(() => store.close());
  return store;
}

test('report store: loads in batches, resumes where it stopped, counts a repeated event id once', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, `${[clickLine(1), clickLine(2), conversionLine(1), clickLine(1)].join('\n')}\n${clickLine(3)}`);  // c3 unfinished
  const store = await openStore(t, dir);
  assert.deepEqual(await store.load(log, { batchBytes: 200 }), { loaded: 3, skipped: 0 });
  assert.deepEqual(await totals(store), { clicks: 2, conversions: 1, revenue: 10000n, distinct: 2 });
  fs.appendFileSync(log, `\n${conversionLine(1)}\n`);  // c3 finished; a replayed conversion event
  assert.deepEqual(await store.load(log, { batchBytes: 200 }), { loaded: 1, skipped: 0 });
  assert.deepEqual(await totals(store), { clicks: 3, conversions: 1, revenue: 10000n, distinct: 3 });
  assert.deepEqual(await store.load(log), { loaded: 0, skipped: 0 });
});

test('report store: a load stops at the size the log had when it began; what was appended meanwhile waits for the next', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, `oops\n${clickLine(1)}\n${clickLine(2)}\n`);
  const store = await openStore(t, dir);
  // The skipped first line stands for the traffic that goes on while a load runs.
  const appendMore = () => fs.appendFileSync(log, `${clickLine(3)}\n${clickLine(4)}\n`);
  assert.deepEqual(await store.load(log, { batchBytes: 100, onSkip: appendMore }), { loaded: 2, skipped: 1 });
  assert.deepEqual(await store.load(log), { loaded: 2, skipped: 0 });
  assert.equal((await totals(store)).clicks, 4);
});

test('report store: a replaced or truncated log is read from its start, its known events not doubled', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, `${clickLine(1)}\n${clickLine(2)}\n`);
  const store = await openStore(t, dir);
  await store.load(log);
  fs.rmSync(log);
  fs.writeFileSync(log, `${clickLine(2)}\n${clickLine(4)}\n`);  // rotated: a new file
  assert.deepEqual(await store.load(log), { loaded: 1, skipped: 0 });
  fs.truncateSync(log, 0);
  fs.writeFileSync(log, `${clickLine(5)}\n`);
  assert.deepEqual(await store.load(log), { loaded: 1, skipped: 0 });
  assert.equal((await totals(store)).clicks, 4);
});

test('report store: a log whose bytes before the stored position changed (a power cut, then recovery) is read from its start', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, `${clickLine(1)}\n${clickLine(2)}\n`);
  const store = await openStore(t, dir);
  await store.load(log);
  // The power cut took the unsynced second line; recovery appended an event the store never
  // saw, of the same length: same file, same first line, same size as the stored position.
  fs.truncateSync(log, clickLine(1).length + 1);
  fs.appendFileSync(log, `${clickLine(3)}\n`);
  assert.equal(fs.statSync(log).size, 2 * (clickLine(1).length + 1));
  assert.deepEqual(await store.load(log), { loaded: 1, skipped: 0 });
  assert.equal((await totals(store)).clicks, 3);
  fs.appendFileSync(log, `${clickLine(4)}\n`);
  assert.deepEqual(await store.load(log), { loaded: 1, skipped: 0 }, 'resumes again once the tail matches');
});

test('report store: a database from before the tail fingerprint opens, and its next load reads the log once whole', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, `${clickLine(1)}\n${clickLine(2)}\n`);
  const file = path.join(dir, 'reports.duckdb');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE ingest_state (source TEXT PRIMARY KEY, file_id TEXT NOT NULL, position BIGINT NOT NULL,
    loaded BIGINT NOT NULL)`);
  // Loaded to the end of this very log: only the missing tail can send the load back to its start.
  const { fileId, size } = await logIdentity(log);
  await connection.run('INSERT INTO ingest_state VALUES (?, ?, ?, ?)', ['events.log', fileId, size, 2]);
  connection.closeSync();
  instance.closeSync();
  const store = await openStore(t, dir);
  assert.deepEqual(await store.load(log), { loaded: 2, skipped: 0 });
  assert.deepEqual(await store.load(log), { loaded: 0, skipped: 0 });
});

test('report store: lines that are no event are skipped with a reason, the rest loads', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, [clickLine(1), '{"type":"click","time":5}', '[1]', '{"id":"x","type":"conversion","time":1}', 'oops',
    `{"id":"huge","type":"note","time":1,"text":"${'x'.repeat(5000)}"}`, clickLine(2)].join('\n') + '\n');
  const store = await openStore(t, dir);
  const skipped = [];
  const result = await store.load(log, { batchBytes: 256, onSkip: (why) => skipped.push(why) });
  assert.deepEqual(result, { loaded: 2, skipped: 5 });
  assert.match(skipped.join('\n'), /no event id[\s\S]*not a JSON object[\s\S]*not a whole conversion[\s\S]*not JSON: oops[\s\S]*longer than any event/);
});

test('report store: a second process cannot open the database while one has it', async (t) => {
  const dir = tempDir(t);
  await openStore(t, dir);
  const child = spawn(process.execPath, ['--input-type=module', '-e',
    `import { ReportStore } from ${JSON.stringify(STORE_MODULE)};
     try { await ReportStore.open(${JSON.stringify(path.join(dir, 'reports.duckdb'))}); console.log('opened'); }
     catch (error) { console.log(error.name); }`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(out.trim(), ReportStoreBusyError.name);
});

test('report store: killed (SIGKILL) while loading, it resumes and counts every event exactly once', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  const EVENTS = 20_000;
  const lines = [];
  for (let i = 0; i < EVENTS; i += 1) lines.push(i % 2 ? clickLine(i) : conversionLine(i));
  fs.writeFileSync(log, `${lines.join('\n')}\n`);
  const database = path.join(dir, 'reports.duckdb');

  // Small batches, so that the kill lands inside one of many transactions.
  for (const delayMs of [700, 1100]) {
    const child = spawn(process.execPath, ['--input-type=module', '-e',
      `import { ReportStore } from ${JSON.stringify(STORE_MODULE)};
       const store = await ReportStore.open(${JSON.stringify(database)});
       console.log('loading');
       await store.load(${JSON.stringify(log)}, { batchBytes: 2048 });
       console.log('done');`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    await new Promise((resolve) => { const poll = setInterval(() => { if (out.includes('loading')) { clearInterval(poll); resolve(); } }, 5); });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    assert.ok(!out.includes('done'), `the load finished within ${delayMs} ms: kill sooner or load more`);
  }

  const store = await openStore(t, dir);
  const before = await totals(store);
  assert.ok(before.clicks + before.conversions > 0 && before.clicks + before.conversions < EVENTS,
    `the killed loads committed part of the log (${before.clicks + before.conversions} of ${EVENTS})`);
  await store.load(log);
  assert.deepEqual(await totals(store), { clicks: EVENTS / 2, conversions: EVENTS / 2, revenue: BigInt(EVENTS / 2) * 10000n, distinct: EVENTS / 2 });
});
