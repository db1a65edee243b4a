// The product on Cloudflare's runtime: the Worker on workerd through Miniflare, with the
// same scenarios as the local runner (scenarios.mjs) and stub servers on 127.0.0.1.
// CTest runs this inside a network namespace with loopback only (deploy/cloudflare/netns.sh).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DASHBOARD_FILES, DASHBOARD_HEADERS, DASHBOARD_INDEX } from '../../analytics/dashboard/files.mjs';
import { checkSeededReports, seededEvents } from '../analytics/seeded-events.mjs';
import { ADMIN_TOKEN, networkConfig, TOKEN } from './network.mjs';
import { click, explain, postback, scenarios } from './scenarios.mjs';
import { freePort, startStub, waitFor } from './stubs.mjs';
import { bundleDir, startWorkerTarget } from './worker-target.mjs';
import { configRecords, loadLibrary } from '../../wasm/workers/config-records.mjs';
import { callExport } from '../../wasm/workers/src/library-call.mjs';
import { shardOf, shardStub } from '../../wasm/workers/src/claims.mjs';

const CONFIG_MAX_AGE = 2;
const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function network() {
  const landing = await startStub();
  const partners = { 7: await startStub(), 8: await startStub() };
  const downPort = await freePort();  // partner 9 is down throughout
  const config = networkConfig({
    landing: landing.url('/landing'),
    partner: (id) => (id === 9 ? `http://127.0.0.1:${downPort}/aff9` : partners[id].url(`/aff${id}`)),
  });
  return { landing, partners, downPort, config, stubs: [landing, ...Object.values(partners)] };
}

describe('the Worker on workerd', () => {
  let net;
  let worker;
  const target = {};

  before(async () => {
    net = await network();
    // Config copies kept 2 s, not the default 30: a changed record must be seen within it.
    worker = await startWorkerTarget({ config: net.config, vars: { EDGEPOST_CONFIG_MAX_AGE_SECONDS: String(CONFIG_MAX_AGE) } });
    Object.assign(target, {
      base: worker.base,
      // Through Miniflare's dispatchFetch, which sets request.cf as Cloudflare's edge would.
      visit: (path, { country, userAgent }) => worker.mf.dispatchFetch(`${worker.base}${path}`, {
        redirect: 'manual',
        headers: { 'user-agent': userAgent },
        ...(country ? { cf: { country } } : {}),
      }),
      landing: net.landing,
      partner: (id) => net.partners[id],
      storedKeys: worker.storedKeys,
    });
  });

  after(async () => {
    await worker?.dispose();
    for (const stub of net?.stubs ?? []) await stub.close();
  });

  for (const [name, scenario] of Object.entries(scenarios)) {
    test(name, () => scenario(target));
  }

  test('the aliases /aff_c and /aff_lsr route like /click and /postback', async () => {
    const response = await fetch(`${worker.base}/aff_c?offer_id=100&aff_id=8`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const tid = new URL(response.headers.get('location')).searchParams.get('tid');
    const answer = await fetch(`${worker.base}/aff_lsr?transaction_id=${tid}&security_token=${TOKEN}`);
    assert.equal(answer.status, 200);
    assert.equal((await answer.json()).status, 'approved');
  });

  test('ledger entries that expire are deleted when due, by the Durable Object\'s alarm', async () => {
    const key = 'cap/clicks/offer/630/ip/test/minute/1/1';
    const stub = shardStub(worker.claimsNamespace, shardOf(key));
    const ask = async (message) => (await stub.fetch('https://claims/', {
      method: 'POST', body: JSON.stringify({ key, ...message }),
    })).json();
    const before = (await ask({ op: 'count' })).count;
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await ask({ op: 'put_if_absent', value: 'x', expires: now + 1 })).won, true);
    await ask({ op: 'set', value: 'y', expires: now + 1, key: `${key}/head` });
    assert.equal((await ask({ op: 'count' })).count, before + 4);  // two entries, two index keys
    await waitFor(async () => (await ask({ op: 'count' })).count === before,
      { what: 'the expired entries and their index keys deleted', timeoutMs: 10000 });
  });

  test('a config record changed in KV reaches the clicks of the same isolate within the config max age', async () => {
    const key = 'config/offer/100';
    const original = await worker.kv.get(key);
    const landingOf = async () => {
      const response = await fetch(`${worker.base}/click?offer_id=100&aff_id=7`, { redirect: 'manual' });
      assert.equal(response.status, 302);
      return new URL(response.headers.get('location')).pathname;
    };
    assert.equal(await landingOf(), '/landing');
    assert.equal(await landingOf(), '/landing');  // a kept copy, decoded once

    const moved = networkConfig({ landing: net.landing.url('/landing-v2'), partner: (id) => net.partners[id]?.url(`/aff${id}`) ?? 'http://127.0.0.1:9/' });
    const loaded = await configRecords(bundleDir, JSON.stringify(moved));
    assert.ok(loaded.ok);
    const changed = loaded.records.find((record) => record.key === key).value;
    assert.notEqual(changed, original);
    const withinMaxAge = { timeoutMs: CONFIG_MAX_AGE * 1000 + 3000, intervalMs: 100 };
    try {
      await worker.kv.put(key, changed);
      await waitFor(async () => (await landingOf()) === '/landing-v2', { ...withinMaxAge, what: 'the changed landing page' });
      assert.equal(await landingOf(), '/landing-v2', 'the new record stays');
    } finally {
      await worker.kv.put(key, original);
    }
    await waitFor(async () => (await landingOf()) === '/landing', { ...withinMaxAge, what: 'the original landing page back' });
  });

  test('events of every decision are logged as JSON lines', async () => {
    const types = new Set(worker.output.filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line).type));
    for (const type of ['click', 'conversion', 'duplicate', 'rejection']) assert.ok(types.has(type), type);
  });
});

describe('partner postbacks when the affiliate is down', () => {
  test('retried by the Queue, then dead-lettered and marked dead, recorded once', async () => {
    const net = await network();
    const worker = await startWorkerTarget({ config: net.config, queue: { maxRetries: 2 } });
    try {
      const { tid } = await click({ base: worker.base }, 'offer_id=100&aff_id=9');
      const answer = await postback({ base: worker.base }, `tid=${tid}&security_token=${TOKEN}`);
      assert.equal(answer.status, 200);
      const key = `outbox/${answer.body.conversion_id}-9`;
      const state = async () => {
        const entry = (await worker.claimEntries()).find((e) => e.key === key);
        return entry && JSON.parse(entry.value).state;
      };
      assert.ok(['pending', 'dead'].includes(await state()));
      await waitFor(async () => (await state()) === 'dead', { timeoutMs: 30000, what: 'the dead letter' });
      const attempts = worker.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
        .filter((e) => e.type === 'partner_postback' && e.entry === key.slice(7));
      assert.deepEqual(attempts.map((e) => [e.outcome, e.attempts]), [['failed', 1], ['failed', 2], ['failed', 3], ['dead', 3]],
        'the first attempt and max_retries = 2 retries, then the dead-letter consumer');

      // The same history through the events Queue, D1 and the explain API.
      const explained = await waitFor(async () => {
        const { body } = await explain({ base: worker.base }, tid);
        return body.deliveries?.length === 4 && body;
      }, { timeoutMs: 15000, what: 'the four attempts in the explanation' });
      assert.equal(explained.conversions[0].conversion_id, answer.body.conversion_id);
      assert.match(explained.summary, /could not be delivered after 3 attempts .*it is kept and can be sent again\./);
    } finally {
      await worker.dispose();
      for (const stub of net.stubs) await stub.close();
    }
  });
});

describe('reports on the Worker: events through the Queue into D1', () => {
  test('the seeded log\'s figures, per grouping, time zone and format; clear 400s; the admin token; the dashboard', async () => {
    // Nobody is called: the events are put in the Queue directly.
    const config = networkConfig({ landing: 'http://127.0.0.1:9/landing', partner: (id) => `http://127.0.0.1:9/aff${id}` });
    const worker = await startWorkerTarget({ config });
    try {
      // The events as the Worker's emit sends them, repeats and a line that is no event included.
      const queue = await worker.mf.getQueueProducer('EVENTS_QUEUE');
      await queue.sendBatch([...seededEvents(), { note: 'not an event' }].map((body) => ({ body })));
      const ask = async (query, token = ADMIN_TOKEN) => {
        const response = await fetch(`${worker.base}/api/reports?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
        return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
      };
      await waitFor(async () => {
        const totals = JSON.parse((await ask('from=2026-03-07&to=2026-03-08&group_by=')).text).totals;
        return totals.clicks === 16 && totals.conversions === 13;
      }, { timeoutMs: 15000, what: 'the seeded events loaded into D1' });
      await checkSeededReports(assert, ask);
      assert.equal((await ask('group_by=day', null)).status, 401);
      assert.equal((await ask('group_by=day', 'wrong-token-0123456789-wrong')).status, 401);

      // The dashboard: the runner's files byte for byte, with the same headers.
      for (const [name, { file, type }] of Object.entries(DASHBOARD_FILES)) {
        const response = await fetch(`${worker.base}${name === DASHBOARD_INDEX ? '/dashboard' : `/dashboard/${name}`}`);
        assert.equal(response.status, 200, name);
        assert.equal(response.headers.get('content-type'), type, name);
        assert.equal(response.headers.get('content-security-policy'), DASHBOARD_HEADERS['Content-Security-Policy'], name);
        assert.equal(await response.text(), fs.readFileSync(path.join(REPOSITORY, file), 'utf8'), name);
      }
      assert.equal((await fetch(`${worker.base}/dashboard/nope.js`)).status, 404);
    } finally {
      await worker.dispose();
    }
  });
});

describe('partner postback targets on the Worker', () => {
  test('every spelling of a private, loopback or link-local address is refused', async () => {
    const { refusedTarget: refused } = await import('../../wasm/workers/src/partner-target.mjs');
    const library = await loadLibrary(bundleDir);
    const hostReason = (host) => callExport(library, 'partner_target', { host }).refused;
    const refusedTarget = (url, env) => refused(url, env, hostReason);
    for (const url of ['http://127.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/',
      'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/latest/meta-data/', 'http://0.0.0.0/',
      'http://100.64.1.1/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.1/', 'http://localhost./',
      'http://a.localhost/', 'http://[fe80::1]/', 'http://[fc00::1]/', 'http://[64:ff9b::7f00:1]/',
      // the ranges the Worker's own list missed (issue 9, item 8)
      'http://198.18.0.1/', 'http://240.0.0.1/', 'http://192.0.0.8/', 'http://[2002:7f00:1::]/', 'http://[::7f00:1]/',
      'http://[fec0::1]/', 'http://255.255.255.255/']) {
      assert.match(refusedTarget(url, {}) ?? '', /^private target refused/, url);
      assert.equal(refusedTarget(url, { ALLOW_PRIVATE_TARGETS: 'true' }), null, url);
    }
    for (const url of ['http://example.com/', 'https://8.8.8.8/', 'http://[2001:db8::1]/', 'http://172.32.0.1/']) {
      assert.equal(refusedTarget(url, {}), null, url);
    }
    assert.match(refusedTarget('http://user:pw@example.com/', {}), /user name or password/);
    assert.match(refusedTarget('ftp://example.com/', {}), /unsupported scheme/);
  });

  test('without ALLOW_PRIVATE_TARGETS a loopback partner gets nothing, and the conversion still counts', async () => {
    const net = await network();
    const worker = await startWorkerTarget({ config: net.config, vars: { ALLOW_PRIVATE_TARGETS: 'false' } });
    try {
      const { tid } = await click({ base: worker.base }, 'offer_id=100&aff_id=7');
      const answer = await postback({ base: worker.base }, `tid=${tid}&security_token=${TOKEN}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'approved');
      const key = `outbox/${answer.body.conversion_id}-7`;
      const state = async () => {
        const entry = (await worker.claimEntries()).find((e) => e.key === key);
        return entry && JSON.parse(entry.value).state;
      };
      // Refused for good: dead at once, with the reason, no retries.
      await waitFor(async () => (await state()) === 'dead', { timeoutMs: 30000, what: 'the refusal' });
      const entry = (await worker.claimEntries()).find((e) => e.key === key);
      assert.match(JSON.parse(entry.value).last_error, /^private target refused/);
      assert.equal(net.partners[7].requests.length, 0);
    } finally {
      await worker.dispose();
      for (const stub of net.stubs) await stub.close();
    }
  });
});
