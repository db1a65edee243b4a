// GET /api/reports on a runner whose events.log holds the seeded events (tests/analytics):
// every figure, CSV, the 400s, and the admin token.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkSeededReports, seededLog } from '../../tests/analytics/seeded-events.mjs';
import { parseCommandLine } from '../src/cli-args.mjs';
import { startRunner } from '../src/serve.mjs';
import { request, tempDir } from './helpers.mjs';

const TOKEN = 'report-admin-token-0123456789';
const ENV = { EDGEPOST_SIGNING_KEYS: `1:${'ab'.repeat(32)}`, EDGEPOST_SIGNING_KEY_ID: '1', EDGEPOST_ADMIN_TOKEN: TOKEN };

const idleEngine = async () => ({ description: 'no functions', cgi: async () => assert.fail('no function runs in these tests') });

async function startWithLog(t, log, env = ENV) {
  const data = tempDir(t);
  fs.writeFileSync(path.join(data, 'events.log'), log);
  const err = [];
  const runner = await startRunner(parseCommandLine(['serve', '--port', '0', '--data', data]),
    { out: () => {}, err: (line) => err.push(line), env, createEngine: idleEngine });
  t.after(() => runner.close());
  return { runner, data, err };
}

const ask = (origin, token = TOKEN) => async (query) => {
  const answer = await request(`${origin}/api/reports?${query}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: answer.status, type: answer.headers['content-type'], text: answer.body };
};

test('report API: the seeded log\'s figures, per grouping, time zone and format; clear 400s', async (t) => {
  const { runner, err } = await startWithLog(t, seededLog());
  await checkSeededReports(assert, ask(runner.origin));
  assert.deepEqual(err.filter((line) => line.startsWith('reports:')), ['reports: skipped events.log: a line that is not JSON: not an event']);
});

test('report API: events appended after start are in the next report', async (t) => {
  const { runner, data } = await startWithLog(t, '');
  const first = JSON.parse((await ask(runner.origin)('from=2026-03-07&to=2026-03-07&group_by=')).text);
  assert.equal(first.totals.clicks, 0);
  fs.appendFileSync(path.join(data, 'events.log'),
    `${JSON.stringify({ type: 'click', id: 'click:t1', transaction_id: 't1', offer_id: 1, aff_id: 2, time: Date.parse('2026-03-07T10:00:00Z') / 1000 })}\n`);
  const second = JSON.parse((await ask(runner.origin)('from=2026-03-07&to=2026-03-07&group_by=')).text);
  assert.equal(second.totals.clicks, 1);
});

test('report API: 401 without the token, with another one, and when no token is configured; 405 for POST', async (t) => {
  const { runner } = await startWithLog(t, '');
  for (const token of [null, 'report-admin-token-0123456788', `${TOKEN}x`, '']) {
    const answer = await ask(runner.origin, token)('group_by=day');
    assert.equal(answer.status, 401, String(token));
    assert.equal(JSON.parse(answer.text).error, 'unauthorized');
  }
  const posted = await request(`${runner.origin}/api/reports`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(posted.status, 405);

  const { runner: off } = await startWithLog(t, '', { ...ENV, EDGEPOST_ADMIN_TOKEN: '' });
  const answer = await ask(off.origin)('group_by=day');
  assert.equal(answer.status, 401);
  assert.match(JSON.parse(answer.text).message, /EDGEPOST_ADMIN_TOKEN is not set/);
});

test('report API: 503 with the reason when the report store cannot open; clicks are not affected', async (t) => {
  const data = tempDir(t);
  fs.mkdirSync(path.join(data, 'reports.duckdb'));  // a directory where the database file should be
  const err = [];
  const runner = await startRunner(parseCommandLine(['serve', '--port', '0', '--data', data]),
    { out: () => {}, err: (line) => err.push(line), env: ENV, createEngine: idleEngine });
  t.after(() => runner.close());
  const answer = await ask(runner.origin)('group_by=day');
  assert.equal(answer.status, 503);
  assert.equal(JSON.parse(answer.text).error, 'reports_unavailable');
  assert.ok(err.some((line) => line.startsWith('warning: reports are unavailable')), err.join('\n'));
  assert.equal((await request(`${runner.origin}/healthz`)).status, 200);
});
