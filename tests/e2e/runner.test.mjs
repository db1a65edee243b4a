// The product, end to end: the local runner serving the WASI functions over HTTP, with stub
// servers on 127.0.0.1 for the advertiser's landing page and the affiliates' endpoints.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUCKET_SECONDS } from '../../local-runner/src/expiry-index.mjs';
import { decodeRecord } from '../../local-runner/src/kv-dir.mjs';
import { functionsDir } from './functions.mjs';
import { networkConfig, TOKEN } from './network.mjs';
import { makeDataDir, runCli, startRunner, storedKeys, writeConfig } from './runner-target.mjs';
import { click, explain, postback, scenarios } from './scenarios.mjs';
import { freePort, startStub, waitFor } from './stubs.mjs';

const FAST_OUTBOX = ['--outbox-interval-ms', '100', '--outbox-base-delay-ms', '100', '--outbox-timeout-ms', '1000'];

async function network() {
  const landing = await startStub();
  const partners = { 7: await startStub(), 8: await startStub() };
  const downPort = await freePort();  // partner 9 starts down
  const config = networkConfig({
    landing: landing.url('/landing'),
    partner: (id) => (id === 9 ? `http://127.0.0.1:${downPort}/aff9` : partners[id].url(`/aff${id}`)),
  });
  return { landing, partners, downPort, config };
}

describe('the local runner', () => {
  let net;
  let dataDir;
  let runner;
  const target = {};

  before(async () => {
    net = await network();
    dataDir = makeDataDir();
    // This process is the runner's trusted proxy: its CF-IPCountry places the visitor.
    runner = await startRunner({ dataDir, configFile: writeConfig(dataDir, net.config),
      flags: [...FAST_OUTBOX, '--trusted-proxy', '127.0.0.1/32'] });
    Object.assign(target, {
      base: runner.base,
      visit: (path, { country, userAgent }) => fetch(`${runner.base}${path}`, {
        redirect: 'manual',
        headers: { 'user-agent': userAgent, ...(country ? { 'cf-ipcountry': country } : {}) },
      }),
      landing: net.landing,
      partner: (id) => net.partners[id],
      storedKeys: async () => storedKeys(dataDir),
    });
  });

  after(async () => {
    await runner?.stop();
    for (const stub of [net.landing, ...Object.values(net.partners)]) await stub.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  for (const [name, scenario] of Object.entries(scenarios)) {
    test(name, () => scenario(target));
  }

  test('the aliases /aff_c and /aff_lsr route like /click and /postback', async () => {
    const response = await fetch(`${runner.base}/aff_c?offer_id=100&aff_id=8`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const tid = new URL(response.headers.get('location')).searchParams.get('tid');
    const answer = await fetch(`${runner.base}/aff_lsr?transaction_id=${tid}&security_token=${TOKEN}`);
    assert.equal(answer.status, 200);
    assert.equal((await answer.json()).status, 'approved');
  });

  test('the click function names its record to the expiry index, under the bucket of its expiry', async () => {
    const { tid } = await click(runner, 'offer_id=100&aff_id=7&aff_sub=indexed');
    const name = `click%2F${tid}`;
    const { expiresAt } = decodeRecord(fs.readFileSync(path.join(dataDir, 'kv', name)));
    assert.ok(expiresAt > Date.now() / 1000, 'a click record expires');
    const bucket = path.join(dataDir, 'expiry', String(Math.floor(expiresAt / BUCKET_SECONDS)));
    await waitFor(() => fs.existsSync(bucket) && fs.readFileSync(bucket, 'utf8').split('\n').includes(name),
      { what: 'the line in the index (appended once a second)' });
    const events = fs.readFileSync(`${dataDir}/events.log`, 'utf8');
    assert.ok(!events.includes('edgepost-'), 'the lines for the runner stay out of the events');
  });

  test('events of every decision land in the event log', async () => {
    const events = fs.readFileSync(`${dataDir}/events.log`, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const types = new Set(events.map((e) => e.type));
    for (const type of ['click', 'conversion', 'duplicate', 'rejection']) assert.ok(types.has(type), type);
    // The stored decision behind the scenarios' answers: revenue and payout of each offer.
    const priced = (offer, aff) => events.find((e) => e.type === 'conversion' && e.offer_id === offer && e.aff_id === aff);
    assert.deepEqual([priced(100, 7).revenue, priced(100, 7).payout, priced(100, 7).currency], ['10.00', '4.00', 'USD']);
    const percent = priced(200, 8);
    assert.deepEqual([percent.amount, percent.revenue, percent.payout, percent.currency], ['200.00', '20.00', '11.00', 'EUR']);
  });
});

// A fresh network and data directory for one test, torn down whatever happens.
async function withFreshNetwork(body) {
  const net = await network();
  const dataDir = makeDataDir();
  try {
    await body(net, dataDir, writeConfig(dataDir, net.config));
  } finally {
    for (const stub of [net.landing, ...Object.values(net.partners)]) await stub.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('partner postbacks when the affiliate is down', () => {
  test('retried, delivered once it is up, across a runner restart', () => withFreshNetwork(async (net, dataDir, configFile) => {
    const flags = [...FAST_OUTBOX, '--outbox-max-attempts', '100'];
    let runner = await startRunner({ dataDir, configFile, flags });
    try {
      const { tid } = await click(runner, 'offer_id=100&aff_id=9');
      const answer = await postback(runner, `tid=${tid}&security_token=${TOKEN}`);
      assert.equal(answer.status, 200);
      await waitFor(() => /\tpending\t[1-9]/.test(runCli(['outbox', 'list', '--data', dataDir]).stdout),
        { what: 'a failed delivery attempt' });

      // Restart while the partner is still down: the entry survives in the data directory.
      const stopped = await runner.stop();
      assert.equal(stopped.code, 0);
      runner = await startRunner({ dataDir, configFile, flags });

      const up = await startStubOn(net.downPort);
      try {
        await waitFor(() => up.requests.length > 0, { what: 'delivery after the partner came up' });
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(up.requests.length, 1);
        assert.equal(up.requests[0].url.searchParams.get('tx'), tid);
        assert.equal(up.requests[0].url.searchParams.get('cid'), answer.body.conversion_id);
        assert.match(runCli(['outbox', 'list', '--data', dataDir, '--state', 'delivered']).stdout, new RegExp(answer.body.conversion_id));
      } finally {
        await up.close();
      }
    } finally {
      await runner.stop();
    }
  }));

  test('after the attempt limit it is a dead letter, and replay delivers it', () => withFreshNetwork(async (net, dataDir, configFile) => {
    const runner = await startRunner({ dataDir, configFile, flags: [...FAST_OUTBOX, '--outbox-max-attempts', '3'] });
    try {
      const { tid } = await click(runner, 'offer_id=100&aff_id=9');
      const answer = await postback(runner, `tid=${tid}&security_token=${TOKEN}`);
      assert.equal(answer.status, 200);
      await waitFor(() => runCli(['outbox', 'list', '--data', dataDir, '--state', 'dead']).stdout.includes(answer.body.conversion_id),
        { what: 'the entry to go dead' });
      const explained = await explain(runner, tid);
      assert.deepEqual(explained.body.deliveries.map((d) => [d.outcome, d.attempts]), [['failed', 1], ['failed', 2], ['dead', 3]]);
      assert.match(explained.body.deliveries[2].error, /ECONNREFUSED|connect/);
      assert.match(explained.body.summary, /The affiliate's postback could not be delivered after 3 attempts \(last: .*\); it is kept and can be sent again\./);

      const up = await startStubOn(net.downPort);
      try {
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(up.requests.length, 0, 'a dead entry is not retried on its own');
        const replay = runCli(['outbox', 'replay', '--data', dataDir, '--all-dead']);
        assert.equal(replay.status, 0, replay.stderr);
        await waitFor(() => up.requests.length > 0, { what: 'delivery after replay' });
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(up.requests.length, 1);
        assert.equal(up.requests[0].url.searchParams.get('tx'), tid);
      } finally {
        await up.close();
      }
    } finally {
      await runner.stop();
    }
  }));
});

async function startStubOn(port) {
  const stub = await startStub({ port });
  assert.equal(stub.port, port);
  return stub;
}

describe('configuration', () => {
  test('loading a config removes the records of entities no longer in it', async () => {
    const dataDir = makeDataDir();
    try {
      const full = networkConfig({ landing: 'http://127.0.0.1:9/landing', partner: (id) => `http://127.0.0.1:9/aff${id}` });
      const first = runCli(['config', 'load', writeConfig(dataDir, full), '--data', dataDir, '--functions', functionsDir]);
      assert.equal(first.status, 0, first.stdout + first.stderr);
      assert.ok(storedKeys(dataDir).includes('config/offer/500'));

      const smaller = { ...full, offers: full.offers.filter((offer) => offer.id !== 500) };
      const second = runCli(['config', 'load', writeConfig(dataDir, smaller), '--data', dataDir, '--functions', functionsDir]);
      assert.equal(second.status, 0, second.stdout + second.stderr);
      const keys = storedKeys(dataDir);
      assert.ok(!keys.includes('config/offer/500'));
      assert.ok(keys.includes('config/offer/400'));
      assert.equal(keys.filter((k) => k.startsWith('config/')).length, 3 + 3 + smaller.offers.length);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('an invalid config is refused with the library\'s messages, and serve does not start', async () => {
    const dataDir = makeDataDir();
    try {
      const bad = writeConfig(dataDir, { advertisers: [{ id: 1 }], affiliates: [], offers: [] });
      const validated = runCli(['config', 'validate', bad, '--functions', functionsDir]);
      assert.equal(validated.status, 1);
      assert.match(validated.stdout + validated.stderr, /advertisers\[0\]\.auth: is required/);
      await assert.rejects(startRunner({ dataDir, configFile: bad }), /advertisers\[0\]\.auth: is required/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
