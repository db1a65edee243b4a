// Hostile input end to end (issue #6, "Hardening"), written once for every target the way
// scenarios.mjs is: hostile.test.mjs runs these against the local runner, worker-hostile.test.mjs
// against the Worker on workerd. Every refusal is asserted with its exact status and reason, and
// with the target's stores unchanged. A target gives:
//   base                  the origin serving /click and /postback
//   landing, partner(id)  the raw stubs of startHostileNetwork()
//   storedKeys()          every key in its stores
//   storedValue(key)      the value stored under key, as text (null when absent)
//   outboxSettleMs        how long a queued partner postback may take to go out
//   bodyTooLarge          what its 413 answer says (its HTTP front answers it, not the library)
//   nonUtf8Json           what its refusal of a JSON body that is not UTF-8 says
//   absoluteFormStatus    its answer to an absolute-form request target (GET http://host/click)
//   startWithKeys(env)    another instance, same config, these signing keys: a target with stop()
import assert from 'node:assert/strict';
import { mintClickId } from './click-id.mjs';
import { ALPHABET, KEY4, KEY5, signQuery, sleep, tamperSignature } from './hostile-network.mjs';
import { getJson, rawRequest } from './hostile-runner.mjs';
import { KEY_HEX, TOKEN } from './network.mjs';
import { waitFor } from './stubs.mjs';

export const pb = (target, query, init) => getJson(`${target.base}/postback?${query}`, init);

// The Worker stores the click record after the redirect (ctx.waitUntil): wait for it, so that
// a later "nothing was stored" snapshot does not see it arrive.
export async function clickTid(target, query) {
  const response = await fetch(`${target.base}/click?${query}`, { redirect: 'manual' });
  assert.equal(response.status, 302, await response.text());
  const tid = new URL(response.headers.get('location')).searchParams.get('tid');
  await waitFor(async () => (await target.storedKeys()).includes(`click/${tid}`), { timeoutMs: 10000, what: `click/${tid}` });
  return tid;
}

async function sortedKeys(target) {
  return (await target.storedKeys()).sort();
}

export async function unchanged(target, body) {
  const before = await sortedKeys(target);
  await body();
  assert.deepEqual(await sortedKeys(target), before, 'a refused request changed the target\'s stores');
}

// A refusal with its status, reason and a message naming the cause (so that a 400 for some
// other reason, e.g. a missing amount, does not pass for the one under test).
function refused(r, status, reason, message, what) {
  assert.deepEqual([r.status, r.body?.reason], [status, reason], `${what}: ${r.text}`);
  assert.match(r.body.message, message, `${what}: ${r.text}`);
}

function tooLarge(target, { status, text }, what) {
  assert.equal(status, 413, `${what}: ${text}`);
  assert.match(text, target.bodyTooLarge, what);
}

const rawGet = (target, requestTarget, host = 'x') =>
  rawRequest(target.base, `GET ${requestTarget} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

const locationOf = (raw) => /\r\nlocation: ([^\r\n]*)/i.exec(raw.headers)?.[1];

const form = (body) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

export const hostileScenarios = {
  async 'open redirect: no parameter changes where /click redirects'(target) {
    const hostile = ['//evil.example', '%2F%2Fevil.example', '%5C%5Cevil.example', '\\\\evil.example', '@evil.example',
      'http://evil.example', 'https:%2F%2Fevil.example', '%252F%252Fevil.example', '/%09/evil.example',
      'evil.example%23', '%2F%5Cevil.example', 'javascript:alert(1)', '%E3%80%82evil.example'];
    const names = ['aff_sub', 'aff_sub2', 'aff_sub5', 'source', 'aff_click_id', 'url', 'redirect', 'return', 'next',
      'dest', 'landing', 'fallback', 'offer_url', 'u'];
    const expected = new URL(target.landing.url('/landing'));
    const redirectsToLanding = (raw, what) => {
      assert.equal(raw.status, 302, `${what}: ${raw.headers}`);
      const location = new URL(locationOf(raw));
      assert.equal(location.origin, expected.origin, what);
      assert.equal(location.pathname, expected.pathname, what);
    };
    let checked = 0;
    for (const name of names) {
      for (const value of hostile) {
        // Raw, so that backslashes and tabs reach the target exactly as written.
        const query = `offer_id=100&aff_id=7&${name}=${value}`;
        redirectsToLanding(await rawGet(target, `/click?${query}`), query);
        checked += 1;
      }
    }
    assert.equal(checked, names.length * hostile.length);
    // Raw backslashes and a raw tab, in two parameters at once.
    for (const value of ['\\\\evil.example', '/\\evil.example', '/\t/evil.example', '%5C%5Cevil.example']) {
      const raw = await rawGet(target, `/click?offer_id=100&aff_id=7&url=${value}&aff_sub=${value}`);
      // A raw tab in the request target may be refused by the HTTP parser, before the library.
      if (value.includes('\t') && raw.status === 400) continue;
      redirectsToLanding(raw, JSON.stringify(value));
    }
    // A sub-ID lands only as an encoded query value: it comes back as sent.
    const r = await fetch(`${target.base}/click?offer_id=100&aff_id=7&aff_sub=%2F%2Fevil.example%3Fx%3D1%23f`, { redirect: 'manual' });
    assert.equal(new URL(r.headers.get('location')).searchParams.get('s1'), '//evil.example?x=1#f');
    // Request targets that merely look like /click are not routed.
    for (const lookalike of ['//evil.example/click?offer_id=100&aff_id=7', '/click/..//evil.example?offer_id=100&aff_id=7',
      '/click@evil.example?offer_id=100&aff_id=7', 'http://evil.example/click?offer_id=100&aff_id=7']) {
      const raw = await rawGet(target, lookalike, 'evil.example');
      assert.equal(raw.status, lookalike.startsWith('http:') ? target.absoluteFormStatus : 404, `${lookalike}: ${raw.headers}`);
      assert.equal(locationOf(raw), undefined, lookalike);
    }
  },

  async 'header injection: control bytes in any sub-ID are refused (400) and reach no header or partner'(target) {
    const names = ['aff_sub', 'aff_sub2', 'aff_sub3', 'aff_sub4', 'aff_sub5', 'source', 'aff_click_id'];
    const bytes = ['%0D%0ASet-Cookie:%20pwned=1', '%0ALocation:%20http://evil.example', '%0D', '%00', '%1B[31m', '%7F', '%08',
      '%C0%8A' /* overlong LF */];
    const tid = await clickTid(target, 'offer_id=200&aff_id=8');
    await unchanged(target, async () => {
      for (const name of names) {
        for (const value of bytes) {
          const response = await fetch(`${target.base}/click?offer_id=100&aff_id=7&${name}=x${value}`, { redirect: 'manual' });
          const text = await response.text();
          assert.equal(response.status, 400, `${name}=${value}`);
          assert.match(text, value === '%C0%8A' ? /not valid UTF-8/ : /contains a control character/, `${name}=${value}`);
          assert.equal(response.headers.get('location'), null);
          assert.equal(response.headers.get('set-cookie'), null);
        }
      }
      // The postback's own text fields, in GET, form and JSON bodies. amount=10: without the
      // control bytes each of these would be accepted.
      for (const field of ['adv_sub', 'adv_sub2', 'adv_sub5', 'currency', 'goal']) {
        const get = await pb(target, `tid=${tid}&amount=10&${field}=a%0D%0AX-Injected:%201`);
        refused(get, 400, 'invalid_request', /control character/, field);
        assert.equal(get.headers.get('x-injected'), null);
        const inJson = await pb(target, '', json(JSON.stringify({ tid, amount: '10', [field]: 'a\r\nX-Injected: 1' })));
        refused(inJson, 400, 'invalid_request', /control character/, `${field} json`);
        for (const value of ['a%0AX', 'a%0D%0AX-Injected:%201']) {
          const inForm = await pb(target, '', form(`tid=${tid}&amount=10&${field}=${value}`));
          refused(inForm, 400, 'invalid_request', /control character/, `${field} form ${value}`);
        }
      }
      // Raw CR or NUL in the request target never reach a function: the HTTP parser refuses them.
      for (const requestTarget of ['/click?offer_id=100&aff_id=7&aff_sub=a\rb', '/click?offer_id=100&aff_id=7&aff_sub=a\x00b']) {
        const raw = await rawGet(target, requestTarget);
        assert.equal(raw.status, 400, JSON.stringify(requestTarget));
        assert.doesNotMatch(raw.headers, /set-cookie|location/i);
      }
    });
    // A raw LF or CRLF ends the request line: what follows is a request header
    // ("Set-Cookie: x=1 HTTP/1.1") or refused, never part of the answer.
    for (const eol of ['\n', '\r\n']) {
      const raw = await rawGet(target, `/click?offer_id=100&aff_id=7&aff_sub=a${eol}Set-Cookie: x=1`);
      assert.doesNotMatch(raw.headers, /set-cookie/i);
      assert.ok([302, 400].includes(raw.status), raw.headers);
    }
    await sleep(target.outboxSettleMs);
    assert.ok(!target.partner(8).requests.some((r) => r.rawUrl.includes(tid)), 'no partner postback for refused conversions');

    // Allowed but unusual text (tab, NEL, U+2028, bidi override) is percent-encoded wherever it lands.
    const odd = await clickTid(target,
      'offer_id=100&aff_id=7&aff_sub=a%09b&aff_sub2=%C2%85&aff_sub3=%E2%80%A8&aff_sub4=%E2%80%AE&source=%22%3C%3E%27');
    const ok = await pb(target, `tid=${odd}&security_token=${TOKEN}`);
    assert.equal(ok.status, 200, ok.text);
    await waitFor(() => target.partner(7).requests.some((r) => r.rawUrl.includes(odd)), { what: 'the partner postback' });
    const sent = target.partner(7).requests.find((r) => r.rawUrl.includes(odd)).rawUrl;
    assert.match(sent, /&s1=a%09b&s2=%C2%85&s3=%E2%80%A8&s4=%E2%80%AE&s5=&src=%22%3C%3E%27&/);
    assert.doesNotMatch(sent, /[\x00-\x20\x7f-\xff"<>']/);
    for (const id of [7, 8, 9]) {
      for (const r of target.partner(id).requests) assert.doesNotMatch(r.rawUrl, /X-Injected|Set-Cookie|evil\.example/i, r.rawUrl);
    }
  },

  async 'oversize, invalid UTF-8, malformed percent-encoding, repeated parameters: exact statuses'(target) {
    const tid = await clickTid(target, 'offer_id=200&aff_id=8');
    const padding = (n) => Array.from({ length: n }, (_, i) => `p${i}=${'y'.repeat(390)}`).join('&');
    await unchanged(target, async () => {
      // Over the library's 8 KiB query, and under the runner's own limit for a request target
      // (8192+200): the 414 is the library's on every target.
      const between = `offer_id=200&aff_id=8&${padding(20)}&q=${'z'.repeat(300)}`;
      assert.ok(between.length > 8192 && between.length + 7 < 8392, String(between.length));
      let r = await getJson(`${target.base}/click?${between}`, { redirect: 'manual' });
      assert.equal(r.status, 414, r.text);
      r = await pb(target, `tid=${tid}&${padding(20)}&q=${'z'.repeat(300)}`);
      assert.equal(r.status, 414, r.text);
      // A field over 500 bytes: 400; exactly 500 is fine (checked after this block).
      r = await getJson(`${target.base}/click?offer_id=200&aff_id=8&aff_sub=${'x'.repeat(501)}`, { redirect: 'manual' });
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /parameter 'aff_sub': value longer than the limit/);
      r = await pb(target, `tid=${tid}&amount=10&adv_sub=${'x'.repeat(501)}`);
      refused(r, 400, 'invalid_request', /value longer than the limit/, 'adv_sub of 501 bytes');
      // Body over 64 KiB: 413, declared (Content-Length) or streamed (chunked, no length). Raw:
      // the runner closes once it has answered, and fetch, still sending a stream, fails on that.
      tooLarge(target, await pb(target, '', form(`tid=${tid}&x=${'a'.repeat(70000)}`)), 'declared');
      const chunk = 'a'.repeat(10000);
      const chunked = Buffer.from(Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('') + '0\r\n\r\n');
      const raw = await rawRequest(target.base, 'POST /postback HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n', chunked);
      tooLarge(target, { status: raw.status, text: raw.body }, 'raw chunked');
      // Multi-byte characters count as bytes: 40000 x "é" is 80000 bytes.
      tooLarge(target, await pb(target, '', json(JSON.stringify({ tid, adv_sub: 'é'.repeat(40000) }))), 'multi-byte');
      // Invalid UTF-8 and malformed percent-encoding, in the query, a form body and a click.
      for (const bad of ['%FF', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%E2%82', '%ZZ', '%4', '%', '%%41', '%u0041']) {
        r = await pb(target, `tid=${tid}&amount=10&adv_sub=a${bad}`);
        refused(r, 400, 'invalid_request', /not valid UTF-8|malformed percent-encoding/, bad);
        r = await pb(target, '', form(`tid=${tid}&amount=10&adv_sub=a${bad}`));
        refused(r, 400, 'invalid_request', /not valid UTF-8|malformed percent-encoding/, `form ${bad}`);
        const c = await fetch(`${target.base}/click?offer_id=200&aff_id=8&aff_sub=a${bad}`, { redirect: 'manual' });
        assert.equal(c.status, 400, `click ${bad}`);
        assert.match(await c.text(), /not valid UTF-8|malformed percent-encoding/, `click ${bad}`);
      }
      for (const body of ['{"tid":', '[1,2]', `{"tid":{"x":1}}`, 'null', `{"tid":"${tid}","amount":"1","AMOUNT":"2"}`]) {
        r = await pb(target, '', json(body));
        assert.deepEqual([r.status, r.body?.reason], [400, 'invalid_request'], `${body}: ${r.text}`);
        assert.doesNotMatch(r.body.message, /amount is required/, body);
      }
      // Repeated parameters: different values refused (aliases count as the same parameter).
      for (const q of [`tid=${tid}&tid=${tid.toUpperCase().replace(/^./, 'x')}`, `tid=${tid}&click_id=other`,
        `tid=${tid}&amount=1&amount=2`, `tid=${tid}&amount=1&sale_amount=2`, `tid=${tid}&goal=sale&GOAL=purchase`]) {
        refused(await pb(target, q), 400, 'invalid_request', /more than once with different values/, q);
      }
    });
    // Repeats with equal values (and a field of exactly 500 bytes) are accepted.
    const equal = await pb(target, `tid=${tid}&transaction_id=${tid}&amount=5&amount=5&adv_sub=${'o'.repeat(500)}`);
    assert.equal(equal.status, 200, equal.text);
    assert.equal(equal.body.status, 'approved');
    const click500 = await fetch(`${target.base}/click?offer_id=200&aff_id=8&aff_sub=${'x'.repeat(500)}&aff_sub=${'x'.repeat(500)}`,
      { redirect: 'manual' });
    assert.equal(click500.status, 302);
  },

  // Found by this suite: a JSON object keeps one of two equal keys, so the library used to
  // take one of the amounts silently; it now refuses the repeat as it does in a query.
  async 'a JSON body repeating a key with different values is refused like a repeated parameter'(target) {
    const tid = await clickTid(target, 'offer_id=200&aff_id=8');
    await unchanged(target, async () => {
      const r = await pb(target, '', json(`{"tid":"${tid}","amount":"1","amount":"2"}`));
      assert.deepEqual([r.status, r.body?.reason], [400, 'invalid_request'], r.text);
      assert.doesNotMatch(r.body.message, /amount is required/, r.text);
    });
  },

  // Offer 100 has a fixed price and a token: with valid text instead of the bad bytes these
  // bodies are accepted, so only the bytes can make the 400.
  // Found by this suite: the Worker read bodies with request.text(), which turned each bad
  // byte into U+FFFD, so the library never saw them; it now decodes strictly.
  async 'raw invalid UTF-8 bytes in a JSON or form body are refused (400)'(target) {
    const [jsonTid, formTid] = [await clickTid(target, 'offer_id=100&aff_id=7'), await clickTid(target, 'offer_id=100&aff_id=7')];
    const bad = Buffer.from([0xff, 0xfe]);
    await unchanged(target, async () => {
      // Both sent before either is judged, so that the report names both outcomes.
      const inJson = await pb(target, '',
        json(Buffer.concat([Buffer.from(`{"tid":"${jsonTid}","security_token":"${TOKEN}","adv_sub":"a`), bad, Buffer.from('"}')])));
      const inForm = await pb(target, '', form(Buffer.concat([Buffer.from(`tid=${formTid}&security_token=${TOKEN}&adv_sub=b`), bad])));
      refused(inJson, 400, 'invalid_request', target.nonUtf8Json, `JSON with invalid UTF-8 (form: ${inForm.status} ${inForm.text})`);
      refused(inForm, 400, 'invalid_request', /not valid UTF-8/, 'form with invalid UTF-8');
    });
  },

  async 'tampered IDs: every single-character change of a valid ID is refused'(target) {
    const tid = await clickTid(target, 'offer_id=100&aff_id=7');
    assert.equal(tid.length, 47);
    await unchanged(target, async () => {
      for (let i = 0; i < tid.length; i += 1) {
        const changed = ALPHABET[(ALPHABET.indexOf(tid[i]) + 1 + (i % 31)) % 32];
        const tampered = tid.slice(0, i) + changed + tid.slice(i + 1);
        assert.notEqual(tampered, tid);
        const r = await pb(target, `tid=${tampered}&security_token=${TOKEN}`);
        assert.deepEqual([r.status, r.body?.reason], [400, 'invalid_transaction_id'], `position ${i}: ${tampered}`);
      }
      for (const short of [tid.slice(0, 46), `${tid}a`, `${tid.slice(0, 46)}1`, `${tid.slice(0, 46)}=`]) {
        const r = await pb(target, `tid=${short}&security_token=${TOKEN}`);
        assert.deepEqual([r.status, r.body?.reason], [400, 'invalid_transaction_id'], short);
      }
    });
    // Upper case folds to the same ID (documented), and the untouched ID is accepted.
    const upper = await pb(target, `tid=${tid.toUpperCase()}&security_token=${TOKEN}`);
    assert.equal(upper.status, 200, upper.text);
    assert.equal(upper.body.transaction_id, tid);
  },

  async 'replays: a signed postback outside its 300 s window is refused; within it, a duplicate'(target) {
    const tid = await clickTid(target, 'offer_id=600&aff_id=8');
    const now = Math.floor(Date.now() / 1000);
    await unchanged(target, async () => {
      for (const ts of [now - 301 - 5, now - 3600, now + 306, 0]) {
        const r = await pb(target, signQuery({ tid, adv_sub: 'S-1', timestamp: ts }));
        assert.deepEqual([r.status, r.body?.reason], [401, 'unauthorized'], `timestamp ${ts - now}: ${r.text}`);
      }
      const fresh = signQuery({ tid, adv_sub: 'S-1', timestamp: now });
      for (const q of [fresh.replace('adv_sub=S-1', 'adv_sub=S-2'), tamperSignature(fresh),
        `${fresh}&amount=1`, fresh.replace(/&signature=.*/, ''), signQuery({ tid, adv_sub: 'S-1', timestamp: now }, 'x'.repeat(36))]) {
        const r = await pb(target, q);
        assert.deepEqual([r.status, r.body?.reason], [401, 'unauthorized'], q);
      }
    });
    const query = signQuery({ tid, adv_sub: 'S-1', timestamp: now - 5 });
    const first = await pb(target, query);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.duplicate, false);
    const again = await pb(target, query);
    assert.deepEqual([again.status, again.body.duplicate, again.body.conversion_id], [200, true, first.body.conversion_id]);
  },

  async 'replays: 200 concurrent identical postbacks record one conversion and one partner postback'(target) {
    const tid = await clickTid(target, 'offer_id=200&aff_id=8');
    const query = `tid=${tid}&amount=10&adv_sub=CONC-1`;
    const results = await Promise.all(Array.from({ length: 200 }, () => pb(target, query)));
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)?.text));
    assert.equal(results.filter((r) => r.body.duplicate === false).length, 1);
    const ids = new Set(results.map((r) => r.body.conversion_id));
    assert.equal(ids.size, 1);
    const [cid] = ids;
    // One conversion record and one outbox entry for this conversion, one conversion claim
    // for this click.
    const keys = await sortedKeys(target);
    assert.deepEqual(keys.filter((k) => k.includes(cid)), [`conversion/${cid}`, `outbox/${cid}-8`]);
    assert.deepEqual(keys.filter((k) => k.startsWith(`claim/click/${tid}/`)), [`claim/click/${tid}/sale`]);
    await waitFor(() => target.partner(8).requests.some((r) => r.rawUrl.includes(tid)), { what: 'the partner postback' });
    await sleep(target.outboxSettleMs);
    assert.equal(target.partner(8).requests.filter((r) => r.rawUrl.includes(tid)).length, 1);
    const entry = await target.storedValue(`outbox/${cid}-8`);
    assert.deepEqual([JSON.parse(entry).state, JSON.parse(entry).attempts], ['delivered', 1], entry);
  },

  // Advertiser 2 allows 203.0.113.0/24; the test process is 127.0.0.1. That an allowed client
  // does pass is each target's own test: the header the Worker trusts, the runner's trusted proxies.
  async 'client IP: X-Forwarded-For and the like do not get past an allowlist'(target) {
    const tid = await clickTid(target, 'offer_id=400&aff_id=7');
    await unchanged(target, async () => {
      for (const headers of [{}, { 'X-Forwarded-For': '203.0.113.5' }, { 'X-Real-IP': '203.0.113.5' },
        { 'X-Forwarded-For': '127.0.0.1, 203.0.113.5' }, { Forwarded: 'for=203.0.113.5' }, { 'True-Client-IP': '203.0.113.5' },
        { 'X-Client-IP': '203.0.113.5' }, { 'CF-Connecting-IP': '198.51.100.7', 'X-Forwarded-For': '203.0.113.5' }]) {
        const r = await pb(target, `tid=${tid}&security_token=${TOKEN}`, { headers });
        assert.deepEqual([r.status, r.body?.reason], [403, 'ip_not_allowed'], JSON.stringify(headers));
      }
    });
  },

  async 'an ID of a retired key is refused; one of a rotated-in key is accepted'(target) {
    // Key 3 (the network's usual key) is retired; 4 is rotated in and verifies; 5 mints.
    const rotated = await target.startWithKeys({ EDGEPOST_SIGNING_KEYS: `4:${KEY4},5:${KEY5}`, EDGEPOST_SIGNING_KEY_ID: '5' });
    try {
      const now = Math.floor(Date.now() / 1000);
      const retired = mintClickId({ keyId: 3, keyHex: KEY_HEX, clickTime: now, offerId: 200, affiliateId: 8 });
      const forgedKeyId = mintClickId({ keyId: 4, keyHex: KEY_HEX, clickTime: now, offerId: 200, affiliateId: 8 });
      await unchanged(rotated, async () => {
        for (const tid of [retired, forgedKeyId]) {
          const r = await pb(rotated, `tid=${tid}`);
          assert.deepEqual([r.status, r.body?.reason], [400, 'invalid_transaction_id'], tid);
        }
      });
      const rotatedIn = mintClickId({ keyId: 4, keyHex: KEY4, clickTime: now, offerId: 200, affiliateId: 8 });
      const accepted = await pb(rotated, `tid=${rotatedIn}&amount=10`);
      assert.deepEqual([accepted.status, accepted.body?.status], [200, 'approved'], accepted.text);
      // It mints with key 5: version 1, key id 5 -> first byte 0x15.
      const minted = await clickTid(rotated, 'offer_id=200&aff_id=8');
      assert.equal(minted[0], ALPHABET[0x15 >> 3]);
      const r = await pb(rotated, `tid=${minted}&amount=10`);
      assert.equal(r.status, 200, r.text);
    } finally {
      await rotated.stop();
    }
  },
};
