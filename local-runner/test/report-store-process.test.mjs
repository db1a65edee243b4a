// The report store in a process of its own, as serve runs it: the same answers as in-process
// (BigInt sums, skipped lines reported), the lock refused as ReportStoreBusyError, a store
// process that dies replaced at the next operation with nothing lost, and no store process left
// behind when its parent is killed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ReportStoreBusyError } from '../src/report-store.mjs';
import { ReportStoreProcess } from '../src/report-store-process.mjs';
import { tempDir, waitFor } from './helpers.mjs';

const CLIENT_MODULE = fileURLToPath(new URL('../src/report-store-process.mjs', import.meta.url));
const clickLine = (i) => JSON.stringify({ type: 'click', id: `click:t${i}`, transaction_id: `t${i}`, offer_id: 1, aff_id: 7, time: 1_772_000_000 + i });
const conversionLine = (i) => JSON.stringify({ type: 'conversion', id: `conversion:v${i}`, conversion_id: `v${i}`, transaction_id: `t${i}`,
  offer_id: 1, aff_id: 7, advertiser_id: 3, goal: 'sale', status: 'approved', revenue: '0.10', payout: '0.07', currency: 'USD',
  time: 1_772_000_000 + i, click_time: 0, attributed_from: 'click' });
// Running, not a zombie: an orphan is reaped by whatever PID 1 is, which in a container may never.
const alive = (pid) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function openStore(t, dir) {
  const store = await ReportStoreProcess.open(path.join(dir, 'reports.duckdb'));
  t.after(() => store.close());
  return store;
}

test('report store process: loads, queries and reports skipped lines as the store in-process does', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, `${[clickLine(1), 'oops', clickLine(2), conversionLine(1)].join('\n')}\n`);
  const store = await openStore(t, dir);
  assert.notEqual(store.pid, process.pid);
  const skipped = [];
  assert.deepEqual(await store.load(log, { onSkip: (why) => skipped.push(why) }), { loaded: 3, skipped: 1 });
  assert.match(skipped.join('\n'), /not JSON: oops/);
  const [row] = await store.query('SELECT SUM(revenue) AS revenue, (SELECT COUNT(*) FROM clicks) AS clicks FROM conversions');
  assert.deepEqual(row, { revenue: 10000n, clicks: 2n });
  const history = await store.history('t1');
  assert.equal(history.clicks.length, 1);
  assert.equal(history.events.length, 1);
  await assert.rejects(store.query('SELECT * FROM no_such_table'), /no_such_table/);
});

test('report store process: a second store on the same file is refused as busy', async (t) => {
  const dir = tempDir(t);
  await openStore(t, dir);
  await assert.rejects(ReportStoreProcess.open(path.join(dir, 'reports.duckdb')), ReportStoreBusyError);
});

test('report store process: killed, it fails the operation under way; the next one starts it again and loses nothing', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'events.log');
  fs.writeFileSync(log, `${clickLine(1)}\n${clickLine(2)}\n`);
  const store = await openStore(t, dir);
  await store.load(log);
  const first = store.pid;
  const pending = store.query('SELECT COUNT(*) AS n FROM range(300000000)');
  process.kill(first, 'SIGKILL');
  await assert.rejects(pending, /report store process exited \(SIGKILL\)/);
  fs.appendFileSync(log, `${clickLine(3)}\n`);
  assert.deepEqual(await store.load(log), { loaded: 1, skipped: 0 });
  assert.notEqual(store.pid, first);
  assert.deepEqual(await store.query('SELECT COUNT(*) AS n FROM clicks'), [{ n: 3n }]);
});

test('report store process: gone when its parent is killed, and after close', async (t) => {
  const dir = tempDir(t);
  const parent = spawn(process.execPath, ['--input-type=module', '-e',
    `import { ReportStoreProcess } from ${JSON.stringify(CLIENT_MODULE)};
     const store = await ReportStoreProcess.open(${JSON.stringify(path.join(dir, 'reports.duckdb'))});
     console.log(store.pid); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => parent.kill('SIGKILL'));
  let output = '';
  parent.stdout.on('data', (chunk) => { output += chunk; });
  await waitFor(() => /^\d+\n/.test(output), { timeoutMs: 20_000, what: 'the store process pid' });
  const child = Number(output.trim());
  assert.ok(alive(child));
  parent.kill('SIGKILL');
  await waitFor(() => !alive(child), { timeoutMs: 10_000, what: 'the store process to exit with its parent' });

  const store = await ReportStoreProcess.open(path.join(dir, 'reports.duckdb'));  // the lock went with it
  const pid = store.pid;
  await store.close();
  assert.equal(alive(pid), false);
  await assert.rejects(store.report({}), /closed/);
});
