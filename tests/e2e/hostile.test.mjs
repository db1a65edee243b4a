// Hostile input through the local runner's HTTP interface (issue #6, "Hardening"): every
// refusal is asserted with its exact status and reason, and with the data directory unchanged.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deliver } from '../../local-runner/src/deliver.mjs';
import { partnerTargetJudge } from './functions.mjs';
import { mintClickId } from './click-id.mjs';
import { ALPHABET, hostileConfig, KEY4, KEY5, signQuery, sleep, tamperSignature } from './hostile-network.mjs';
import { KEY_HEX, TOKEN } from './network.mjs';
import { getJson, kvFiles, rawRequest, spawnRunner, startRawStub, storedKeys } from './hostile-runner.mjs';
import { makeDataDir, writeConfig } from './runner-target.mjs';
import { waitFor } from './stubs.mjs';

const FAST_OUTBOX = ['--outbox-interval-ms', '100', '--outbox-base-delay-ms', '100', '--outbox-timeout-ms', '1000'];
async function clickTid(base, query) {
  const response = await fetch(`${base}/click?${query}`, { redirect: 'manual' });
  assert.equal(response.status, 302, await response.text());
  return new URL(response.headers.get('location')).searchParams.get('tid');
}

describe('hostile input: the local runner', () => {
  let landing;
  let partners;
  let dataDir;
  let runner;
  const pb = (query, init) => getJson(`${runner.base}/postback?${query}`, init);
  const unchanged = async (body) => {
    const keysBefore = storedKeys(dataDir);
    await body();
    assert.deepEqual(storedKeys(dataDir), keysBefore, 'a refused request changed the data directory');
  };

  before(async () => {
    landing = await startRawStub();
    partners = { 7: await startRawStub(), 8: await startRawStub(), 9: await startRawStub() };
    dataDir = makeDataDir();
    const config = hostileConfig({ landing: landing.url('/landing'), partner: (id) => partners[id].url(`/aff${id}`) });
    runner = await spawnRunner({ dataDir, configFile: writeConfig(dataDir, config), flags: FAST_OUTBOX });
  });

  after(async () => {
    await runner?.stop();
    for (const stub of [landing, ...Object.values(partners ?? {})]) await stub?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('open redirect: no parameter changes where /click redirects', async () => {
    const hostile = ['//evil.example', '%2F%2Fevil.example', '%5C%5Cevil.example', '\\\\evil.example', '@evil.example',
      'http://evil.example', 'https:%2F%2Fevil.example', '%252F%252Fevil.example', '/%09/evil.example',
      'evil.example%23', '%2F%5Cevil.example', 'javascript:alert(1)', '%E3%80%82evil.example'];
    const names = ['aff_sub', 'aff_sub2', 'aff_sub5', 'source', 'aff_click_id', 'url', 'redirect', 'return', 'next',
      'dest', 'landing', 'fallback', 'offer_url', 'u'];
    const expected = new URL(landing.url('/landing'));
    let checked = 0;
    for (const name of names) {
      for (const value of hostile) {
        const query = `offer_id=100&aff_id=7&${name}=${value}`;
        // Raw, so that backslashes and tabs reach the runner exactly as written.
        const r = await rawRequest(runner.base, `GET /click?${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.equal(r.status, 302, `${query}: ${r.headers}`);
        const location = new URL(/\r\nlocation: ([^\r\n]*)/i.exec(r.headers)[1]);
        assert.equal(location.origin, expected.origin, query);
        assert.equal(location.pathname, expected.pathname, query);
        checked += 1;
      }
    }
    assert.equal(checked, names.length * hostile.length);
    // A sub-ID lands only as an encoded query value: it comes back as sent.
    const r = await fetch(`${runner.base}/click?offer_id=100&aff_id=7&aff_sub=%2F%2Fevil.example%3Fx%3D1%23f`, { redirect: 'manual' });
    assert.equal(new URL(r.headers.get('location')).searchParams.get('s1'), '//evil.example?x=1#f');
    // Paths that merely look like /click are not routed.
    for (const target of ['//evil.example/click?offer_id=100&aff_id=7', '/click/..//evil.example?offer_id=100&aff_id=7',
      '/click@evil.example?offer_id=100&aff_id=7', 'http://evil.example/click?offer_id=100&aff_id=7']) {
      const raw = await rawRequest(runner.base, `GET ${target} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
      assert.equal(raw.status, 404, target);
      assert.doesNotMatch(raw.headers, /\r\nlocation:/i, target);
    }
  });

  test('header injection: control bytes in any sub-ID are refused (400) and reach no header or partner', async () => {
    const names = ['aff_sub', 'aff_sub2', 'aff_sub3', 'aff_sub4', 'aff_sub5', 'source', 'aff_click_id'];
    const bytes = ['%0D%0ASet-Cookie:%20pwned=1', '%0ALocation:%20http://evil.example', '%0D', '%00', '%1B[31m', '%7F', '%08',
      '%C0%8A' /* overlong LF */];
    const tid200 = await clickTid(runner.base, 'offer_id=200&aff_id=8');
    await unchanged(async () => {
      for (const name of names) {
        for (const value of bytes) {
          const response = await fetch(`${runner.base}/click?offer_id=100&aff_id=7&${name}=x${value}`, { redirect: 'manual' });
          const text = await response.text();
          assert.equal(response.status, 400, `${name}=${value}`);
          assert.match(text, value === '%C0%8A' ? /not valid UTF-8/ : /contains a control character/, `${name}=${value}`);
          assert.equal(response.headers.get('location'), null);
          assert.equal(response.headers.get('set-cookie'), null);
        }
      }
      // The postback's own text fields, in GET, form and JSON bodies.
      const tid = tid200;
      for (const field of ['adv_sub', 'adv_sub2', 'adv_sub5', 'currency', 'goal']) {
        const get = await pb(`tid=${tid}&${field}=a%0D%0AX-Injected:%201`);
        assert.deepEqual([get.status, get.body.reason], [400, 'invalid_request'], field);
        const json = await pb('', { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tid, [field]: 'a\r\nX-Injected: 1' }) });
        assert.deepEqual([json.status, json.body.reason], [400, 'invalid_request'], `${field} json`);
        const form = await pb('', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `tid=${tid}&${field}=a%0AX`});
        assert.deepEqual([form.status, form.body.reason], [400, 'invalid_request'], `${field} form`);
      }
      // Raw CR/LF or NUL in the request target never reach a function: Node's parser refuses them.
      for (const target of ['/click?offer_id=100&aff_id=7&aff_sub=a\rb',
        '/click?offer_id=100&aff_id=7&aff_sub=a\x00b']) {
        const raw = await rawRequest(runner.base, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.equal(raw.status, 400, JSON.stringify(target));
        assert.doesNotMatch(raw.headers, /set-cookie|location/i);
      }
    });
    // A raw LF or CRLF ends the request line for Node's parser: what follows is a request
    // header ("Set-Cookie: x=1 HTTP/1.1"), never part of the answer.
    for (const eol of ['\n', '\r\n']) {
      const lf = await rawRequest(runner.base, `GET /click?offer_id=100&aff_id=7&aff_sub=a${eol}Set-Cookie: x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(lf.headers, /set-cookie/i);
      assert.ok([302, 400].includes(lf.status), lf.headers);
    }
    await sleep(300);
    assert.equal(partners[8].requests.length, 0, 'no partner postback for refused conversions');

    // Allowed but unusual text (tab, NEL, U+2028, bidi override) is percent-encoded wherever it lands.
    const tid = await clickTid(runner.base,
      'offer_id=100&aff_id=7&aff_sub=a%09b&aff_sub2=%C2%85&aff_sub3=%E2%80%A8&aff_sub4=%E2%80%AE&source=%22%3C%3E%27');
    const ok = await pb(`tid=${tid}&security_token=${TOKEN}`);
    assert.equal(ok.status, 200, ok.text);
    await waitFor(() => partners[7].requests.some((r) => r.rawUrl.includes(tid)), { what: 'the partner postback' });
    const sent = partners[7].requests.find((r) => r.rawUrl.includes(tid)).rawUrl;
    assert.match(sent, /&s1=a%09b&s2=%C2%85&s3=%E2%80%A8&s4=%E2%80%AE&s5=&src=%22%3C%3E%27&/);
    assert.doesNotMatch(sent, /[\x00-\x20\x7f-\xff"<>']/);
  });

  test('KV path escape: hostile IDs and values never leave DATA/kv or make keys the library did not build', async () => {
    const tid = await clickTid(runner.base, 'offer_id=100&aff_id=7&aff_sub=..%2F..%2F..%2Ftmp%2Fevil&aff_click_id=%2Fetc%2Fpasswd');
    await unchanged(async () => {
      for (const bad of ['../../../etc/passwd', '..%2F..%2F..%2Fetc%2Fpasswd', `${tid.slice(0, 46)}/`, `../${tid.slice(3)}`,
        `${tid.slice(0, 23)}%00${tid.slice(24)}`, `${tid.slice(0, 23)}.${tid.slice(24)}`, '.', '..', '%2E%2E', `${tid}%00`,
        `${tid}/..`, `config%2Foffer%2F100`, '%C3%A9'.repeat(47), 'x'.repeat(501)]) {
        const r = await pb(`tid=${bad}&security_token=${TOKEN}`);
        assert.equal(r.status, 400, `${bad}: ${r.text}`);
        assert.ok(['invalid_transaction_id', 'invalid_request'].includes(r.body.reason), `${bad}: ${r.text}`);
      }
      const goal = await pb(`tid=${tid}&security_token=${TOKEN}&goal=..%2F..%2Fx`);
      assert.deepEqual([goal.status, goal.body.reason], [400, 'unknown_goal']);
    });
    // adv_sub is part of a key (the order claim): hashed, so any bytes are harmless.
    const order = await pb(`tid=${tid}&security_token=${TOKEN}&adv_sub=..%2F..%2F..%2F..%2Ftmp%2Fevil%2F.%2F%5C`);
    assert.equal(order.status, 200, order.text);

    const top = fs.readdirSync(dataDir).sort();
    for (const name of top) assert.ok(['config.json', 'events.log', 'kv', 'signing-key'].includes(name), `unexpected DATA/${name}`);
    const shapes = [/^config\/(advertiser|affiliate|offer)\/\d+$/, /^click\/[a-z2-7]{47}$/, /^claim\/click\/[a-z2-7]{47}\/[a-z0-9_-]+$/,
      /^claim\/order\/\d+\/[a-z0-9_-]+\/[0-9a-f]{32}$/, /^claim\/repeat\/[a-z2-7]{47}\/[a-z0-9_-]+\/[0-9a-f]+$/, /^conversion\/[0-9a-f]{24}$/,
      /^outbox\/[0-9a-f]{24}-\d+$/];
    for (const { name, key } of kvFiles(dataDir)) {
      assert.ok(!fs.statSync(path.join(dataDir, 'kv', name)).isDirectory(), `directory in DATA/kv: ${name}`);
      if (name.startsWith('.tmp-')) continue;
      assert.ok(key !== null && shapes.some((shape) => shape.test(key)), `file ${name} (key ${key}) was not built by the library`);
    }
    assert.ok(!fs.existsSync(path.join(os.tmpdir(), 'evil')));
    assert.ok(!fs.existsSync('/tmp/evil'));
  });

  test('oversize, invalid UTF-8, malformed percent-encoding, repeated parameters: exact statuses', async () => {
    const tid = await clickTid(runner.base, 'offer_id=200&aff_id=8');
    const padding = (n) => Array.from({ length: n }, (_, i) => `p${i}=${'y'.repeat(390)}`).join('&');
    await unchanged(async () => {
      // Over the runner's target limit (8192+200): 414 JSON before any wasm runs.
      let r = await getJson(`${runner.base}/postback?tid=${tid}&aff_sub=${'x'.repeat(9000)}`);
      assert.deepEqual([r.status, r.body.error], [414, 'uri_too_long']);
      r = await getJson(`${runner.base}/click?offer_id=200&aff_id=8&${padding(25)}`, { redirect: 'manual' });
      assert.deepEqual([r.status, r.body.error], [414, 'uri_too_long']);
      // Under the runner's limit but over the library's 8 KiB query: 414 from the function.
      const between = `offer_id=200&aff_id=8&${padding(20)}&q=${'z'.repeat(300)}`;
      assert.ok(between.length > 8192 && between.length + 7 < 8392, String(between.length));
      r = await getJson(`${runner.base}/click?${between}`, { redirect: 'manual' });
      assert.equal(r.status, 414, r.text);
      r = await pb(`tid=${tid}&${padding(20)}&q=${'z'.repeat(300)}`);
      assert.equal(r.status, 414, r.text);
      // A field over 500 bytes: 400; exactly 500 is fine (checked after this block).
      r = await getJson(`${runner.base}/click?offer_id=200&aff_id=8&aff_sub=${'x'.repeat(501)}`, { redirect: 'manual' });
      assert.equal(r.status, 400);
      assert.match(r.text, /parameter 'aff_sub': value longer than the limit/);
      r = await pb(`tid=${tid}&adv_sub=${'x'.repeat(501)}`);
      assert.deepEqual([r.status, r.body.reason], [400, 'invalid_request']);
      // Body over 64 KiB: 413, declared or streamed (chunked).
      r = await pb('', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `tid=${tid}&x=${'a'.repeat(70000)}` });
      assert.deepEqual([r.status, r.body.error], [413, 'body_too_large']);
      const chunk = 'a'.repeat(10000);
      const chunked = Buffer.from(Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('') + '0\r\n\r\n');
      const raw = await rawRequest(runner.base, 'POST /postback HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n', chunked);
      assert.equal(raw.status, 413);
      // Under 64 KiB for the runner, over the library's form/JSON limits? The runner's limit is the library's: 64 KiB.
      // Headers over 32 KiB: Node's 431 with the runner's JSON body.
      const big = await rawRequest(runner.base, `GET /postback?tid=${tid} HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(40000)}\r\nConnection: close\r\n\r\n`);
      assert.equal(big.status, 431);
      assert.match(big.body, /headers_too_large/);
      // Invalid UTF-8 and malformed percent-encoding, in the query, a form body and a JSON body.
      for (const bad of ['%FF', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%E2%82', '%ZZ', '%4', '%', '%%41', '%u0041']) {
        r = await pb(`tid=${tid}&adv_sub=a${bad}`);
        assert.deepEqual([r.status, r.body.reason], [400, 'invalid_request'], bad);
        r = await pb('', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `tid=${tid}&adv_sub=a${bad}` });
        assert.deepEqual([r.status, r.body.reason], [400, 'invalid_request'], `form ${bad}`);
        const c = await fetch(`${runner.base}/click?offer_id=200&aff_id=8&aff_sub=a${bad}`, { redirect: 'manual' });
        assert.equal(c.status, 400, `click ${bad}`);
        assert.match(await c.text(), /not valid UTF-8|malformed percent-encoding/);
      }
      r = await pb('', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: Buffer.concat([Buffer.from(`{"tid":"${tid}","adv_sub":"a`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]) });
      assert.deepEqual([r.status, r.body.reason], [400, 'invalid_request'], 'JSON with invalid UTF-8');
      for (const body of ['{"tid":', '[1,2]', `{"tid":{"x":1}}`, 'null', `{"tid":"${tid}","amount":"1","AMOUNT":"2"}`]) {
        r = await pb('', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.deepEqual([r.status, r.body.reason], [400, 'invalid_request'], body);
      }
      // Repeated parameters: different values refused (aliases count as the same parameter).
      for (const q of [`tid=${tid}&tid=${tid.toUpperCase().replace(/^./, 'x')}`, `tid=${tid}&click_id=other`,
        `tid=${tid}&amount=1&amount=2`, `tid=${tid}&amount=1&sale_amount=2`, `tid=${tid}&goal=sale&GOAL=purchase`]) {
        r = await pb(q);
        assert.deepEqual([r.status, r.body.reason], [400, 'invalid_request'], q);
        assert.match(r.body.message, /more than once with different values/, q);
      }
    });
    const equal = await pb(`tid=${tid}&transaction_id=${tid}&amount=5&amount=5&adv_sub=${'o'.repeat(500)}`);
    assert.equal(equal.status, 200, equal.text);
    assert.equal(equal.body.status, 'approved');
    const click500 = await fetch(`${runner.base}/click?offer_id=200&aff_id=8&aff_sub=${'x'.repeat(500)}&aff_sub=${'x'.repeat(500)}`, { redirect: 'manual' });
    assert.equal(click500.status, 302);
  });

  // Found by this suite: a JSON object keeps one of two equal keys, so the library used to
  // take one of the amounts silently; it now refuses the repeat as it does in a query.
  test('a JSON body repeating a key with different values is refused like a repeated parameter',
    async () => {
      const tid = await clickTid(runner.base, 'offer_id=200&aff_id=8');
      await unchanged(async () => {
        const r = await pb('', { method: 'POST', headers: { 'content-type': 'application/json' },
          body: `{"tid":"${tid}","amount":"1","amount":"2"}` });
        assert.deepEqual([r.status, r.body.reason], [400, 'invalid_request'], r.text);
      });
    });

  test('tampered IDs: every single-character change of a valid ID is refused', async () => {
    const tid = await clickTid(runner.base, 'offer_id=100&aff_id=7');
    await unchanged(async () => {
      for (let i = 0; i < tid.length; i += 1) {
        const changed = ALPHABET[(ALPHABET.indexOf(tid[i]) + 1 + (i % 31)) % 32];
        const tampered = tid.slice(0, i) + changed + tid.slice(i + 1);
        assert.notEqual(tampered, tid);
        const r = await pb(`tid=${tampered}&security_token=${TOKEN}`);
        assert.deepEqual([r.status, r.body.reason], [400, 'invalid_transaction_id'], `position ${i}: ${tampered}`);
      }
      for (const short of [tid.slice(0, 46), `${tid}a`, `${tid.slice(0, 46)}1`, `${tid.slice(0, 46)}=`]) {
        const r = await pb(`tid=${short}&security_token=${TOKEN}`);
        assert.deepEqual([r.status, r.body.reason], [400, 'invalid_transaction_id'], short);
      }
    });
    assert.equal(tid.length, 47);
    // Upper case folds to the same ID (documented), and the untouched ID is accepted.
    const upper = await pb(`tid=${tid.toUpperCase()}&security_token=${TOKEN}`);
    assert.equal(upper.status, 200, upper.text);
    assert.equal(upper.body.transaction_id, tid);
  });

  test('replays: a signed postback outside its 300 s window is refused; within it, a duplicate', async () => {
    const tid = await clickTid(runner.base, 'offer_id=600&aff_id=8');
    const now = Math.floor(Date.now() / 1000);
    await unchanged(async () => {
      for (const ts of [now - 301 - 5, now - 3600, now + 306, 0]) {
        const r = await pb(signQuery({ tid, adv_sub: 'S-1', timestamp: ts }));
        assert.deepEqual([r.status, r.body.reason], [401, 'unauthorized'], `timestamp ${ts - now}`);
      }
      const fresh = signQuery({ tid, adv_sub: 'S-1', timestamp: now });
      for (const q of [fresh.replace('adv_sub=S-1', 'adv_sub=S-2'), tamperSignature(fresh),
        `${fresh}&amount=1`, fresh.replace(/&signature=.*/, ''), signQuery({ tid, adv_sub: 'S-1', timestamp: now }, 'x'.repeat(36))]) {
        const r = await pb(q);
        assert.deepEqual([r.status, r.body.reason], [401, 'unauthorized'], q);
      }
    });
    const query = signQuery({ tid, adv_sub: 'S-1', timestamp: now - 5 });
    const first = await pb(query);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.duplicate, false);
    const again = await pb(query);
    assert.deepEqual([again.status, again.body.duplicate, again.body.conversion_id], [200, true, first.body.conversion_id]);
  });

  test('replays: 200 concurrent identical postbacks record one conversion and one partner postback', async () => {
    const tid = await clickTid(runner.base, 'offer_id=200&aff_id=8');
    const query = `tid=${tid}&amount=10&adv_sub=CONC-1`;
    const results = await Promise.all(Array.from({ length: 200 }, () => pb(query)));
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)?.body));
    assert.equal(results.filter((r) => r.body.duplicate === false).length, 1);
    const ids = new Set(results.map((r) => r.body.conversion_id));
    assert.equal(ids.size, 1);
    const [cid] = ids;
    assert.deepEqual(storedKeys(dataDir).filter((k) => k.includes(cid)), [`conversion/${cid}`, `outbox/${cid}-8`]);
    await waitFor(() => partners[8].requests.some((r) => r.rawUrl.includes(tid)), { what: 'the partner postback' });
    await sleep(800);
    assert.equal(partners[8].requests.filter((r) => r.rawUrl.includes(tid)).length, 1);
  });

  test('client IP: X-Forwarded-For does not get past an allowlist without --trusted-proxy', async () => {
    const tid = await clickTid(runner.base, 'offer_id=400&aff_id=7');
    await unchanged(async () => {
      for (const headers of [{ 'X-Forwarded-For': '203.0.113.5' }, { 'X-Real-IP': '203.0.113.5' },
        { 'X-Forwarded-For': '127.0.0.1, 203.0.113.5' }, { Forwarded: 'for=203.0.113.5' }, { 'True-Client-IP': '203.0.113.5' }]) {
        const r = await pb(`tid=${tid}&security_token=${TOKEN}`, { headers });
        assert.deepEqual([r.status, r.body.reason], [403, 'ip_not_allowed'], JSON.stringify(headers));
      }
    });
  });
});

describe('hostile input: a runner behind a trusted proxy, with rotated signing keys', () => {
  let landing;
  let partner;
  let dataDir;
  let runner;
  before(async () => {
    landing = await startRawStub();
    partner = await startRawStub();
    dataDir = makeDataDir();
    const config = hostileConfig({ landing: landing.url('/landing'), partner: () => partner.url('/p') });
    // Key 3 (the network's usual key) is retired; 4 is rotated in and verifies; 5 mints.
    runner = await spawnRunner({ dataDir, configFile: writeConfig(dataDir, config), flags: [...FAST_OUTBOX, '--trusted-proxy', '127.0.0.0/8', '--trusted-proxy', '::1'],
      env: { EDGEPOST_SIGNING_KEYS: `4:${KEY4},5:${KEY5}`, EDGEPOST_SIGNING_KEY_ID: '5' } });
  });
  after(async () => {
    await runner?.stop();
    await landing?.close();
    await partner?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('an ID of a retired key is refused; one of a rotated-in key is accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const retired = mintClickId({ keyId: 3, keyHex: KEY_HEX, clickTime: now, offerId: 200, affiliateId: 8 });
    const forgedKeyId = mintClickId({ keyId: 4, keyHex: KEY_HEX, clickTime: now, offerId: 200, affiliateId: 8 });
    const before = storedKeys(dataDir);
    for (const tid of [retired, forgedKeyId]) {
      const r = await getJson(`${runner.base}/postback?tid=${tid}`);
      assert.deepEqual([r.status, r.body.reason], [400, 'invalid_transaction_id'], tid);
    }
    assert.deepEqual(storedKeys(dataDir), before);
    const rotatedIn = mintClickId({ keyId: 4, keyHex: KEY4, clickTime: now, offerId: 200, affiliateId: 8 });
    const accepted = await getJson(`${runner.base}/postback?tid=${rotatedIn}&amount=10`);
    assert.deepEqual([accepted.status, accepted.body.status], [200, 'approved'], accepted.text);
    // The runner mints with key 5: version 1, key id 5 -> first byte 0x15.
    const minted = await clickTid(runner.base, 'offer_id=200&aff_id=8');
    assert.equal(minted[0], ALPHABET[0x15 >> 3]);
    const r = await getJson(`${runner.base}/postback?tid=${minted}&amount=10`);
    assert.equal(r.status, 200, r.text);
  });

  test('client IP: behind a trusted proxy, the right-most untrusted X-Forwarded-For address is the client', async () => {
    const tid = await clickTid(runner.base, 'offer_id=400&aff_id=7');
    const before = storedKeys(dataDir);
    for (const [xff, status] of [[undefined, 403], ['198.51.100.7', 403], ['203.0.113.5, 198.51.100.7', 403],
      ['not-an-ip', 403], ['203.0.113.5, 127.0.0.1, 127.0.0.2', 200]]) {
      if (status === 200) assert.deepEqual(storedKeys(dataDir), before, 'the refusals stored nothing');
      const r = await getJson(`${runner.base}/postback?tid=${tid}&security_token=${TOKEN}`,
        { headers: xff === undefined ? {} : { 'X-Forwarded-For': xff } });
      assert.equal(r.status, status, `${xff}: ${r.text}`);
      if (status === 403) assert.equal(r.body.reason, 'ip_not_allowed');
    }
    const spoofedLeft = await getJson(`${runner.base}/postback?tid=${tid}&security_token=${TOKEN}`,
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
      const results = [];
      for (const aff of [7, 8]) {
        const tid = await clickTid(runner.base, `offer_id=${aff === 7 ? 100 : 200}&aff_id=${aff}`);
        const r = await getJson(`${runner.base}/postback?tid=${tid}&security_token=${TOKEN}&amount=10`);
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
