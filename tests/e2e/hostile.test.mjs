// Hostile input through the local runner's HTTP interface: the hostile scenarios every target
// runs (hostile-scenarios.mjs; worker-hostile.test.mjs runs them on the Worker), then what is
// the runner's own: its data directory, the limits of its own HTTP server, trusted proxies, and
// partner targets judged after DNS.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deliver } from '../../local-runner/src/deliver.mjs';
import { decodeKey } from '../../local-runner/src/kv-dir.mjs';
import { partnerTargetJudge } from './functions.mjs';
import { hostileConfig, startHostileNetwork } from './hostile-network.mjs';
import { getJson, kvFiles, rawRequest, spawnRunner, startRawStub, storedKeys } from './hostile-runner.mjs';
import { clickTid, hostileScenarios, pb, unchanged } from './hostile-scenarios.mjs';
import { TOKEN } from './network.mjs';
import { makeDataDir, storedValue, writeConfig } from './runner-target.mjs';
import { waitFor } from './stubs.mjs';

const FAST_OUTBOX = ['--outbox-interval-ms', '100', '--outbox-base-delay-ms', '100', '--outbox-timeout-ms', '1000'];

// A runner on a fresh hostile network and a data directory of its own, as a target of the
// hostile scenarios; stop() takes all of it down.
async function startRunnerTarget({ flags = [], env } = {}) {
  const net = await startHostileNetwork();
  const dataDir = makeDataDir();
  const removeAll = async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await net.close();
  };
  const runner = await spawnRunner({ dataDir, configFile: writeConfig(dataDir, net.config), flags: [...FAST_OUTBOX, ...flags], env })
    .catch(async (error) => {
      await removeAll();
      throw error;
    });
  return {
    base: runner.base,
    dataDir,
    landing: net.landing,
    partner: net.partner,
    storedKeys: async () => storedKeys(dataDir),
    storedValue: async (key) => storedValue(dataDir, key),
    outboxSettleMs: 800,  // the outbox scans every 100 ms
    bodyTooLarge: /"error":"body_too_large"/,
    nonUtf8Json: /body: not a JSON object/,  // the function gets the bytes; the library's JSON reader refuses them
    absoluteFormStatus: 404,  // not a path the runner routes
    startWithKeys: (keys) => startRunnerTarget({ env: keys }),
    async stop() {
      await runner.stop();
      await removeAll();
    },
  };
}

describe('hostile input: the local runner', () => {
  let target;
  before(async () => {
    target = await startRunnerTarget();
  });
  after(() => target?.stop());

  for (const [name, scenario] of Object.entries(hostileScenarios)) {
    test(name, () => scenario(target));
  }

  test('KV path escape: hostile IDs and values never leave DATA/kv or make keys the library did not build', async () => {
    const tid = await clickTid(target, 'offer_id=100&aff_id=7&aff_sub=..%2F..%2F..%2Ftmp%2Fevil&aff_click_id=%2Fetc%2Fpasswd');
    await unchanged(target, async () => {
      for (const bad of ['../../../etc/passwd', '..%2F..%2F..%2Fetc%2Fpasswd', `${tid.slice(0, 46)}/`, `../${tid.slice(3)}`,
        `${tid.slice(0, 23)}%00${tid.slice(24)}`, `${tid.slice(0, 23)}.${tid.slice(24)}`, '.', '..', '%2E%2E', `${tid}%00`,
        `${tid}/..`, `config%2Foffer%2F100`, '%C3%A9'.repeat(47), 'x'.repeat(501)]) {
        const r = await pb(target, `tid=${bad}&security_token=${TOKEN}`);
        assert.equal(r.status, 400, `${bad}: ${r.text}`);
        assert.ok(['invalid_transaction_id', 'invalid_request'].includes(r.body.reason), `${bad}: ${r.text}`);
      }
      const goal = await pb(target, `tid=${tid}&security_token=${TOKEN}&goal=..%2F..%2Fx`);
      assert.deepEqual([goal.status, goal.body.reason], [400, 'unknown_goal']);
    });
    // adv_sub is part of a key (the order claim): hashed, so any bytes are harmless.
    const order = await pb(target, `tid=${tid}&security_token=${TOKEN}&adv_sub=..%2F..%2F..%2F..%2Ftmp%2Fevil%2F.%2F%5C`);
    assert.equal(order.status, 200, order.text);

    const top = fs.readdirSync(target.dataDir).sort();
    const expected = ['config.json', 'events.log', 'expiry', 'kv', 'ledger', 'outbox-wake', 'signing-key', 'reports.duckdb', 'reports.duckdb.wal'];
    for (const name of top) assert.ok(expected.includes(name), `unexpected DATA/${name}`);
    const shapes = [/^config\/(advertiser|affiliate|offer)\/\d+$/, /^click\/[a-z2-7]{47}$/, /^claim\/click\/[a-z2-7]{47}\/[a-z0-9_-]+$/,
      /^claim\/order\/\d+\/[a-z0-9_-]+\/[0-9a-f]{32}$/, /^claim\/repeat\/[a-z2-7]{47}\/[a-z0-9_-]+\/[0-9a-f]+$/, /^conversion\/[0-9a-f]{24}$/,
      /^outbox\/[0-9a-f]{24}-\d+$/];
    for (const { name, key } of kvFiles(target.dataDir)) {
      // The runner keeps working in the background (outbox delivery, renames of temporaries):
      // a file listed a moment ago may be gone by now, which is not an escape.
      const stat = fs.statSync(path.join(target.dataDir, 'kv', name), { throwIfNoEntry: false });
      assert.ok(!stat?.isDirectory(), `directory in DATA/kv: ${name}`);
      if (name.startsWith('.tmp-')) continue;
      assert.ok(key !== null && shapes.some((shape) => shape.test(key)), `file ${name} (key ${key}) was not built by the library`);
    }
    // The expiry index names only files of keys the library built.
    await new Promise((resolve) => setTimeout(resolve, 1200));  // its lines are appended once a second
    for (const bucket of fs.readdirSync(path.join(target.dataDir, 'expiry'))) {
      assert.match(bucket, /^\d+$/);
      for (const name of fs.readFileSync(path.join(target.dataDir, 'expiry', bucket), 'utf8').split('\n').filter(Boolean)) {
        const key = decodeKey(name);
        assert.ok(key !== null && shapes.some((shape) => shape.test(key)), `index line ${name} names no key the library builds`);
      }
    }
    assert.ok(!fs.existsSync(path.join(os.tmpdir(), 'evil')));
    assert.ok(!fs.existsSync('/tmp/evil'));
  });

  test('the runner\'s own HTTP limits: a request target over 8192+200 bytes is 414 before any wasm runs, headers over 32 KiB 431',
    async () => {
      const tid = await clickTid(target, 'offer_id=200&aff_id=8');
      const padding = Array.from({ length: 25 }, (_, i) => `p${i}=${'y'.repeat(390)}`).join('&');
      await unchanged(target, async () => {
        let r = await getJson(`${target.base}/postback?tid=${tid}&aff_sub=${'x'.repeat(9000)}`);
        assert.deepEqual([r.status, r.body.error], [414, 'uri_too_long']);
        r = await getJson(`${target.base}/click?offer_id=200&aff_id=8&${padding}`, { redirect: 'manual' });
        assert.deepEqual([r.status, r.body.error], [414, 'uri_too_long']);
        const big = await rawRequest(target.base,
          `GET /postback?tid=${tid} HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(40000)}\r\nConnection: close\r\n\r\n`);
        assert.equal(big.status, 431);
        assert.match(big.body, /headers_too_large/);
      });
    });
});

describe('hostile input: a runner behind a trusted proxy', () => {
  let target;
  before(async () => {
    target = await startRunnerTarget({ flags: ['--trusted-proxy', '127.0.0.0/8', '--trusted-proxy', '::1'] });
  });
  after(() => target?.stop());

  test('client IP: behind a trusted proxy, the right-most untrusted X-Forwarded-For address is the client', async () => {
    const tid = await clickTid(target, 'offer_id=400&aff_id=7');
    const before = await target.storedKeys();
    for (const [xff, status] of [[undefined, 403], ['198.51.100.7', 403], ['203.0.113.5, 198.51.100.7', 403],
      ['not-an-ip', 403], ['203.0.113.5, 127.0.0.1, 127.0.0.2', 200]]) {
      if (status === 200) assert.deepEqual(await target.storedKeys(), before, 'the refusals stored nothing');
      const r = await pb(target, `tid=${tid}&security_token=${TOKEN}`,
        { headers: xff === undefined ? {} : { 'X-Forwarded-For': xff } });
      assert.equal(r.status, status, `${xff}: ${r.text}`);
      if (status === 403) assert.equal(r.body.reason, 'ip_not_allowed');
    }
    const spoofedLeft = await pb(target, `tid=${tid}&security_token=${TOKEN}`,
      { headers: { 'X-Forwarded-For': '203.0.113.5' } });
    assert.deepEqual([spoofedLeft.status, spoofedLeft.body.duplicate], [200, true]);
  });
});

describe('hostile input: partner postback targets (SSRF)', () => {
  test('private, loopback, link-local and unspecified targets are refused in every spelling', async (t) => {
    const stub = await startRawStub();
    t.after(() => stub.close());
    const p = stub.port;
    const forms = [`localhost:${p}`, `LOCALHOST:${p}`, `127.0.0.1:${p}`, `127.1:${p}`, `2130706433:${p}`, `0x7f000001:${p}`,
      `0177.0.0.1:${p}`, `017700000001:${p}`, `[::1]:${p}`, `[::ffff:127.0.0.1]:${p}`, `[::ffff:7f00:1]:${p}`, `[0:0:0:0:0:0:0:1]:${p}`,
      `0.0.0.0:${p}`, `0:${p}`, '169.254.169.254', `[fe80::1]:${p}`, '[fd00::1]', '10.0.0.1', '192.168.1.1', '172.16.0.1',
      '100.64.0.1', '[64:ff9b::7f00:1]', '[2002:7f00:1::]', `rebind.example:${p}`, `metadata.example`];
    // A stand-in resolver for names that resolve to private addresses (as a hostile DNS would).
    const lookup = async (name) => ({ 'rebind.example': [{ address: '127.0.0.1', family: 4 }],
      'metadata.example': [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }] }[name]
      ?? (await import('node:dns')).promises.lookup(name, { all: true, verbatim: true }));
    const judge = await partnerTargetJudge();
    for (const host of forms) {
      const result = await deliver(`http://${host}/pb?x=1`, { timeoutMs: 2000, lookup, judge });
      assert.equal(result.ok, false, host);
      assert.match(result.error, /private target refused/, `${host}: ${result.error}`);
    }
    assert.equal(stub.requests.length, 0);
    // Allowed explicitly (tests, the demo), the same loopback target is reached.
    assert.equal((await deliver(`http://127.1:${p}/pb`, { timeoutMs: 2000, allowPrivateTargets: true })).ok, true);
    assert.equal(stub.requests.length, 1);
  });

  test('end to end: without --allow-private-targets a conversion still counts but nothing is sent to loopback', async () => {
    const landing = await startRawStub();
    const partner = await startRawStub();
    const dataDir = makeDataDir();
    let runner;
    try {
      const config = hostileConfig({ landing: landing.url('/landing'),
        partner: (id) => (id === 8 ? `http://localhost:${partner.port}/p8` : partner.url(`/p${id}`)) });
      runner = await spawnRunner({ dataDir, configFile: writeConfig(dataDir, config), allowPrivate: false,
        flags: [...FAST_OUTBOX, '--outbox-max-attempts', '2'] });
      const target = { base: runner.base, storedKeys: async () => storedKeys(dataDir) };
      const results = [];
      for (const aff of [7, 8]) {
        const tid = await clickTid(target, `offer_id=${aff === 7 ? 100 : 200}&aff_id=${aff}`);
        const r = await pb(target, `tid=${tid}&security_token=${TOKEN}&amount=10`);
        assert.equal(r.status, 200, r.text);
        results.push(r.body.conversion_id);
      }
      await waitFor(() => results.every((cid) => runner.output.join('').includes(`gave up on partner postback ${cid}`)),
        { what: 'both entries to go dead', timeoutMs: 15000 });
      const out = runner.output.join('');
      assert.match(out, /private target refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/);
      assert.match(out, /private target refused: localhost \(loopback \(localhost\)\)/);
      assert.equal(partner.requests.length, 0);
    } finally {
      await runner?.stop();
      await landing.close();
      await partner.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
