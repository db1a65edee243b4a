// cli.mjs report / explain / reports rebuild, run as the real program: on a data directory,
// refusing politely while a serve holds its report store, and through that serve (--url).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { mintClickId } from '../../tests/e2e/click-id.mjs';
import { forged as forgedId } from '../../tests/e2e/scenarios.mjs';
import { EXPECTED_CSV, EXPECTED_REPORTS, seededLog } from '../../tests/analytics/seeded-events.mjs';
import { run, serve, tempDir } from './helpers.mjs';

const KEY_HEX = 'cd'.repeat(32);
const ADMIN = 'cli-admin-token-0123456789';
const FUNCTIONS = process.env.EDGEPOST_FUNCTIONS_DIR;

function seededDataDir(t, extraLines = '') {
  const data = tempDir(t);
  fs.writeFileSync(path.join(data, 'events.log'), seededLog() + extraLines);
  fs.writeFileSync(path.join(data, 'signing-key'), `3:${KEY_HEX}\n`, { mode: 0o600 });
  return data;
}

async function cli(t, args, env = {}) {
  const program = run(t, args, env);
  const { code } = await program.exited;
  return { code, ...program.output };
}

test('report: the seeded figures as JSON, CSV and a table; a bad parameter is a usage error', async (t) => {
  const data = seededDataDir(t);
  const [query, rows, totals] = EXPECTED_REPORTS[0];
  const options = [...new URLSearchParams(query)].flatMap(([name, value]) => [`--${name}`, value]);
  const json = await cli(t, ['report', '--data', data, ...options, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout).rows, rows);
  assert.deepEqual(JSON.parse(json.stdout).totals, totals);

  const csv = await cli(t, ['report', '--data', data, ...options, '--format', 'csv']);
  assert.equal(csv.stdout, `${EXPECTED_CSV[1].trimEnd()}\n`);

  const table = await cli(t, ['report', '--data', data, ...options]);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^2026-03-07 to 2026-03-08 \(UTC\)\nday +clicks +conversions/);
  assert.match(table.stdout, /\ntotal +16 +13 +12 +0 +1 +75\.00 +USD +18\.50 +11\.95 +6\.55 +1\.15625\n/);

  const bad = await cli(t, ['report', '--data', data, '--tz', 'Mars/Olympus']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /tz: unknown time zone "Mars\/Olympus"/);
});

test('reports rebuild: the store again from events.log', async (t) => {
  const data = seededDataDir(t);
  assert.equal((await cli(t, ['report', '--data', data, '--format', 'json'])).code, 0);
  const rebuilt = await cli(t, ['reports', 'rebuild', '--data', data]);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.match(rebuilt.stdout, /rebuilt from .*events\.log: 34 events loaded, 1 lines skipped/);
});

test('report while serve holds the store: told to ask the runner, and --url does', async (t) => {
  const data = seededDataDir(t);
  const runner = await serve(t, ['--data', data], { EDGEPOST_ADMIN_TOKEN: ADMIN });
  const busy = await cli(t, ['report', '--data', data]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /open in another process .*ask that runner instead: --url/);
  const rebuild = await cli(t, ['reports', 'rebuild', '--data', data]);
  assert.equal(rebuild.code, 1, 'a rebuild never pulls the store from under a running serve');
  assert.match(rebuild.stderr, /open in another process/);

  const [query, rows] = EXPECTED_REPORTS[3];
  const options = [...new URLSearchParams(query)].flatMap(([name, value]) => [`--${name}`, value]);
  const remote = await cli(t, ['report', '--url', runner.origin, ...options, '--format', 'json'], { EDGEPOST_ADMIN_TOKEN: ADMIN });
  assert.equal(remote.code, 0, remote.stderr);
  assert.deepEqual(JSON.parse(remote.stdout).rows, rows);
  const unauthorized = await cli(t, ['report', '--url', runner.origin], { EDGEPOST_ADMIN_TOKEN: 'another-token-0123456789' });
  assert.equal(unauthorized.code, 1);
  assert.match(unauthorized.stderr, /HTTP 401/);
});

test('explain: a valid ID with its history, and a forged one, with the data directory\'s keys', { skip: !FUNCTIONS && 'EDGEPOST_FUNCTIONS_DIR is not set' }, async (t) => {
  const clickTime = Math.floor(Date.now() / 1000) - 60;
  const tid = mintClickId({ keyId: 3, keyHex: KEY_HEX, clickTime, offerId: 1, affiliateId: 7 });
  const click = { type: 'click', id: `click:${tid}`, transaction_id: tid, offer_id: 1, aff_id: 7, time: clickTime, aff_sub: 'cli' };
  const refused = { type: 'rejection', id: 'rejection:x1', time: clickTime + 5, endpoint: 'postback', reason: 'invalid_request',
    message: 'adv_sub is required', transaction_id: tid, params: { transaction_id: tid } };
  const data = seededDataDir(t, `${JSON.stringify(click)}\n${JSON.stringify(refused)}\n`);
  const functions = ['--functions', FUNCTIONS];

  const valid = await cli(t, ['explain', tid.toUpperCase(), '--data', data, ...functions]);
  assert.equal(valid.code, 0, `${valid.stderr}${valid.stdout}`);
  assert.match(valid.stdout, new RegExp(`^transaction ID  ${tid}\\nsignature       valid \\(key 3\\)\\nclick           .*offer 1, affiliate 7, aff_sub cli`));
  assert.match(valid.stdout, /postback .* refused \(invalid_request\)/);
  assert.match(valid.stdout, /No conversion has been recorded for it\. 1 postback naming it was refused: adv_sub is required\./);

  const forged = await cli(t, ['explain', forgedId(tid), '--data', data, ...functions, '--json']);
  assert.equal(forged.code, 0, forged.stderr);
  const answer = JSON.parse(forged.stdout);
  assert.equal(answer.signature, 'bad_signature');
  assert.equal(answer.claimed.aff_id, 7);

  const keyless = tempDir(t);
  const none = await cli(t, ['explain', tid, '--data', keyless, ...functions]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no signing keys/);
});
