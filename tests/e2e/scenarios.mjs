// The end-to-end scenarios of a deployed edgepost, written once for every target (the local
// runner today, the Worker on workerd later). A target gives:
//   base            the origin serving /click and /postback
//   storedKeys()    every key in its store, for "refused requests change nothing"
//   landing, partner(7), partner(8)   the stubs of networkConfig()
//   clientIp        the address the target sees for this test process
//   visit(path, { country, userAgent })   a request as from a visitor the platform placed in
//                   `country` (CF-IPCountry from a trusted proxy on the runner, request.cf on
//                   workerd); answers the fetch Response without following redirects
import assert from 'node:assert/strict';
import { mintClickId } from './click-id.mjs';
import { ADMIN_TOKEN, KEY_HEX, TOKEN } from './network.mjs';
import { waitFor } from './stubs.mjs';

export async function click(target, query) {
  const response = await fetch(`${target.base}/click?${query}`, { redirect: 'manual' });
  assert.equal(response.status, 302, await response.clone().text());
  const location = new URL(response.headers.get('location'));
  return { response, location, tid: location.searchParams.get('tid') };
}

export async function postback(target, query, init = {}) {
  const response = await fetch(`${target.base}/postback?${query}`, init);
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`postback answered ${response.status} with non-JSON: ${text}`);
  }
  return { status: response.status, body };
}

export async function changeStatus(target, conversionId, body, token = ADMIN_TOKEN) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${target.base}/api/conversions/${conversionId}/status`,
    { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

// GET /api/explain/<id> with the admin token (or the one given). -> { status, body }
export async function explain(target, id, token = ADMIN_TOKEN) {
  const response = await fetch(`${target.base}/api/explain/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: await response.json() };
}

// The ID with one character of its MAC changed: still shaped like an ID, its signature broken.
// (Not the last character: its low bits are padding, which must stay zero.)
export function forged(tid) {
  return `${tid.slice(0, 40)}${tid[40] === 'a' ? 'b' : 'a'}${tid.slice(41)}`;
}

function partnerCalls(target, affiliate, predicate) {
  return target.partner(affiliate).requests.filter((r) => predicate(r.url.searchParams));
}

async function settle(ms = 400) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function visitClick(target, query, visitor = {}) {
  const response = await target.visit(`/click?${query}`, { userAgent: BROWSER, ...visitor });
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get('location') ?? '' };
}

export const scenarios = {
  async 'a cap of 10: 100 concurrent postbacks approve exactly 10, the other 90 cap_reached, 10 partner postbacks'(target) {
    const tids = [];
    for (let i = 0; i < 100; i += 1) tids.push((await click(target, `offer_id=610&aff_id=7&aff_sub=cap${i}`)).tid);
    const answers = await Promise.all(tids.map((tid) => postback(target, `tid=${tid}`)));
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const approved = answers.filter((a) => a.body.status === 'approved');
    const capped = answers.filter((a) => a.body.status === 'rejected' && a.body.reason === 'cap_reached');
    assert.equal(approved.length, 10);
    assert.equal(capped.length, 90);
    // Retried, each is the duplicate it was, and the cap is still spent on the same ten.
    const again = await Promise.all(tids.slice(0, 20).map((tid) => postback(target, `tid=${tid}`)));
    for (const [i, answer] of again.entries()) {
      assert.equal(answer.body.duplicate, true);
      assert.equal(answer.body.status, answers[i].body.status);
    }
    const paid = new Set(approved.map((a) => a.body.transaction_id));
    await waitFor(() => partnerCalls(target, 7, (p) => paid.has(p.get('tid'))).length >= 10,
      { what: 'ten partner postbacks' });
    await settle();
    const calls = partnerCalls(target, 7, (p) => p.get('o') === '610');
    assert.equal(calls.length, 10);
    assert.deepEqual(new Set(calls.map((c) => c.url.searchParams.get('tid'))), paid);
  },

  async 'a bot\'s click goes to the fallback'(target) {
    const bot = await visitClick(target, 'offer_id=620&aff_id=7', { userAgent: GOOGLEBOT });
    assert.equal(bot.status, 302);
    assert.equal(bot.location, `${target.landing.url('/landing')}?fallback=620`);
    const person = await visitClick(target, 'offer_id=620&aff_id=7');
    assert.equal(new URL(person.location).searchParams.has('tid'), true);
  },

  async 'a click from a blocked country goes to the fallback'(target) {
    const blocked = await visitClick(target, 'offer_id=620&aff_id=7', { country: 'RU' });
    assert.equal(blocked.location, `${target.landing.url('/landing')}?fallback=620`);
    const allowed = await visitClick(target, 'offer_id=620&aff_id=7', { country: 'DE' });
    assert.match(allowed.location, /\?tid=[a-z2-7]{47}$/);
  },

  async 'the 31st click in a minute from one address, with a limit of 30, goes to the fallback'(target) {
    // All 31 inside one minute of the clock the rule counts by (they take a few seconds).
    const intoMinute = Date.now() % 60000;
    if (intoMinute > 25000) await new Promise((resolve) => setTimeout(resolve, 60500 - intoMinute));
    const locations = [];
    for (let i = 0; i < 31; i += 1) locations.push((await visitClick(target, 'offer_id=630&aff_id=8')).location);
    const fallback = `${target.landing.url('/landing')}?fallback=630`;
    assert.equal(locations.slice(0, 30).filter((l) => l === fallback).length, 0);
    assert.equal(locations[30], fallback);
  },


  async 'a click redirects to the offer URL with every click macro filled and encoded'(target) {
    const subs = 'aff_sub=spring%20sale%20%E2%9C%93&aff_sub2=a%26b%3Dc&aff_sub3=x%2Fy&aff_sub4=4&aff_sub5=5' +
      '&source=news%2Bletter&aff_click_id=AFF-123';
    const { response, location, tid } = await click(target, `offer_id=100&affiliate_id=7&${subs}`);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(`${location.origin}${location.pathname}`, target.landing.url('/landing'));
    assert.match(tid, /^[a-z2-7]{47}$/);
    const raw = location.search;
    assert.match(raw, /&s1=spring%20sale%20%E2%9C%93&/);
    assert.match(raw, /&s2=a%26b%3Dc&/);
    assert.match(raw, /&s3=x%2Fy&/);
    const params = location.searchParams;
    assert.deepEqual(
      ['o', 'a', 's1', 's2', 's3', 's4', 's5', 'src', 'acid'].map((name) => params.get(name)),
      ['100', '7', 'spring sale ✓', 'a&b=c', 'x/y', '4', '5', 'news+letter', 'AFF-123']);
    assert.ok(Math.abs(Number(params.get('ts')) - Date.now() / 1000) < 60);

    // The person's browser follows it to the landing page.
    const landed = await fetch(location);
    assert.equal(landed.status, 200);
    assert.equal(target.landing.requests.at(-1).url.searchParams.get('tid'), tid);
  },

  async 'an approved postback is priced and the affiliate gets exactly one partner postback'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7&aff_sub=blue%20shoes&aff_click_id=AC-9&source=mail');
    const before = target.partner(7).requests.length;
    const { status, body } = await postback(target, `transaction_id=${tid}&security_token=${TOKEN}&adv_sub=ORD-1`);
    assert.equal(status, 200);
    assert.equal(body.status, 'approved');
    assert.equal(body.duplicate, false);
    assert.equal(body.transaction_id, tid);
    assert.match(body.conversion_id, /^[0-9a-f]{24}$/);

    await waitFor(() => target.partner(7).requests.length > before, { what: 'the partner postback' });
    await settle();
    const received = target.partner(7).requests.slice(before);
    assert.equal(received.length, 1);
    const p = received[0].url.searchParams;
    assert.deepEqual(
      Object.fromEntries(['tid', 'o', 'a', 's1', 'src', 'acid', 'goal', 'payout', 'cur', 'st', 'cid'].map((k) => [k, p.get(k)])),
      { tid, o: '100', a: '7', s1: 'blue shoes', src: 'mail', acid: 'AC-9', goal: 'sale', payout: '4.00', cur: 'USD',
        st: 'approved', cid: body.conversion_id });
  },

  async 'explain: a converted ID, retried once, shows its click, its conversion, the repeat and the delivery'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7&aff_sub=explained');
    const first = await postback(target, `tid=${tid}&security_token=${TOKEN}&adv_sub=EXP-1`);
    assert.equal(first.body.status, 'approved');
    const again = await postback(target, `tid=${tid}&security_token=${TOKEN}&adv_sub=EXP-1`);
    assert.equal(again.body.duplicate, true);
    const cid = first.body.conversion_id;
    await waitFor(async () => (await explain(target, tid)).body.deliveries?.some((d) => d.outcome === 'delivered'),
      { what: 'the delivery in the explanation' });

    const { status, body } = await explain(target, tid.toUpperCase());
    assert.equal(status, 200);
    assert.equal(body.transaction_id, tid);
    assert.equal(body.signature, 'valid');
    assert.deepEqual({ offer: body.id.offer_id, aff: body.id.aff_id }, { offer: 100, aff: 7 });
    assert.equal(body.offer.id, 100);
    assert.equal(body.expired, false);
    assert.equal(body.click.aff_sub, 'explained');
    assert.deepEqual(body.postbacks.map((p) => p.outcome), ['accepted', 'duplicate']);
    assert.equal(body.postbacks[1].params.adv_sub, 'EXP-1');
    assert.ok(!('security_token' in body.postbacks[1].params), 'no secret in the explanation');
    assert.equal(body.conversions.length, 1);
    assert.deepEqual({ id: body.conversions[0].conversion_id, status: body.conversions[0].status, payout: body.conversions[0].payout },
      { id: cid, status: 'approved', payout: '4.00' });
    const delivered = body.deliveries.find((d) => d.outcome === 'delivered');
    assert.equal(delivered.status, 200);
    assert.equal(delivered.conversion_id, cid);
    assert.match(body.summary, new RegExp(`Conversion ${cid} \\(goal sale\\) was recorded on .* as approved; it is now approved, payout 4\\.00 USD\\. ` +
      'The affiliate\'s postback was delivered on .* \\(HTTP 200, attempt 1\\)\\. The advertiser sent the same postback 1 more time'));
  },

  async 'explain: a forged ID says its signature does not verify, what it claims, and the postbacks refused'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7');
    const fake = forged(tid);
    const refused = await postback(target, `tid=${fake}&security_token=${TOKEN}&adv_sub=FORGED-1`);
    assert.equal(refused.status, 400);
    // On Workers the history arrives through the events Queue, a batch timeout later.
    const { status, body } = await waitFor(async () => {
      const answer = await explain(target, fake);
      return answer.body.postbacks?.length > 0 && answer;
    }, { what: 'the refused postback in the explanation' });
    assert.equal(status, 200);
    assert.equal(body.signature, 'bad_signature');
    assert.deepEqual({ offer: body.claimed.offer_id, aff: body.claimed.aff_id }, { offer: 100, aff: 7 });
    assert.deepEqual(body.conversions, []);
    assert.equal(body.postbacks.length, 1);
    assert.equal(body.postbacks[0].outcome, 'refused');
    assert.equal(body.postbacks[0].reason, refused.body.reason);
    assert.equal(body.postbacks[0].params.adv_sub, 'FORGED-1');
    assert.match(body.summary, /its signature does not match its content: it was altered or made up\. It claims offer 100 and affiliate 7/);
    assert.match(body.summary, /1 postback naming it was refused: transaction_id signature does not verify\./);

    const malformed = await explain(target, 'not-an-id');
    assert.equal(malformed.body.signature, 'malformed');
    assert.equal((await explain(target, tid, null)).status, 401);
    assert.equal((await explain(target, tid, 'wrong-token-0123456789-wrong')).status, 401);
  },

  async 'a test postback (test=1) answers what would happen and stores nothing'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7&aff_sub=tested');
    const keysBefore = await target.storedKeys();
    const before = target.partner(7).requests.length;
    const tried = await postback(target, `tid=${tid}&security_token=${TOKEN}&adv_sub=TEST-1&test=1`);
    assert.equal(tried.status, 200);
    assert.equal(tried.body.test, true);
    assert.equal(tried.body.status, 'approved');
    assert.equal(tried.body.payout, '4.00');
    assert.equal(tried.body.partner_postbacks.length, 1);
    assert.match(tried.body.partner_postbacks[0].url, new RegExp(`tid=${tid}`));
    const refused = await postback(target, `tid=${forged(tid)}&security_token=${TOKEN}&test=1`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.test, true);
    await settle();
    assert.deepEqual(await target.storedKeys(), keysBefore);
    assert.equal(target.partner(7).requests.length, before);

    const real = await postback(target, `tid=${tid}&security_token=${TOKEN}&adv_sub=TEST-1`);
    assert.equal(real.body.duplicate, false);
    assert.equal(real.body.conversion_id, tried.body.conversion_id);
    await waitFor(async () => (await explain(target, tid)).body.postbacks?.some((p) => p.outcome === 'test'),
      { what: 'the test in the explanation' });
  },

  async 'a pending sale approved later sends the partner postback once, at the approval'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7');
    const order = `tid=${tid}&security_token=${TOKEN}&adv_sub=ORD-PENDING`;
    const pending = await postback(target, `${order}&status=pending`);
    assert.equal(pending.status, 200);
    assert.equal(pending.body.status, 'pending');
    await settle();
    const approvals = () => partnerCalls(target, 7, (p) => p.get('tid') === tid);
    assert.equal(approvals().length, 0);

    const approved = await postback(target, `${order}&status=approved`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.deepEqual([approved.body.status, approved.body.previous_status, approved.body.duplicate,
      approved.body.conversion_id], ['approved', 'pending', false, pending.body.conversion_id]);
    const again = await postback(target, `${order}&status=approved`);
    assert.equal(again.body.duplicate, true);
    await waitFor(() => approvals().length > 0, { what: 'the partner postback' });
    await settle(600);
    assert.equal(approvals().length, 1);
    assert.equal(approvals()[0].url.searchParams.get('st'), 'approved');
  },

  async 'a reversal within the window sends the reversal postback once; past it, it is refused'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7');
    const order = `tid=${tid}&security_token=${TOKEN}&adv_sub=ORD-REFUND`;
    const approved = await postback(target, order);
    assert.equal(approved.body.status, 'approved');
    const reversed = await postback(target, `${order}&status=rejected`);
    assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
    assert.equal(reversed.body.previous_status, 'approved');
    assert.equal((await postback(target, `${order}&status=rejected`)).body.duplicate, true);
    const reversals = () => partnerCalls(target, 7, (p) => p.get('reversal') === '1' && p.get('tx') === tid);
    await waitFor(() => reversals().length > 0, { what: 'the reversal postback' });
    await settle(600);
    assert.equal(reversals().length, 1);
    const p = reversals()[0].url.searchParams;
    assert.deepEqual([p.get('payout'), p.get('st'), p.get('cid')], ['4.00', 'rejected', approved.body.conversion_id]);

    // Offer 700 allows no reversal at all once a second has passed.
    const late = await click(target, 'offer_id=700&aff_id=7');
    assert.equal((await postback(target, `tid=${late.tid}`)).body.status, 'approved');
    await settle(1100);
    const refused = await postback(target, `tid=${late.tid}&status=rejected`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.reason, 'invalid_status_change');
  },

  async 'the operator status API needs the admin token and follows the same rules'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7');
    const pending = await postback(target, `tid=${tid}&security_token=${TOKEN}&adv_sub=ORD-OPS&status=pending`);
    const cid = pending.body.conversion_id;
    for (const token of [null, 'not-the-token']) {
      const refused = await changeStatus(target, cid, { status: 'approved' }, token);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'unauthorized');
    }
    assert.equal((await changeStatus(target, '0123456789abcdef01234567', { status: 'approved' })).status, 404);
    const bad = await changeStatus(target, cid, { status: 'approved', paid: true });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'paid: unknown field (status, amount, note)');

    const approved = await changeStatus(target, cid, { status: 'approved', note: 'checked by support' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.deepEqual([approved.body.status, approved.body.previous_status, approved.body.payout], ['approved', 'pending', '4.00']);
    await waitFor(() => partnerCalls(target, 7, (p) => p.get('tid') === tid).length > 0, { what: 'the partner postback' });
    // The advertiser's own approval, arriving late, is a repeat.
    const late = await postback(target, `tid=${tid}&security_token=${TOKEN}&adv_sub=ORD-OPS&status=approved`);
    assert.equal(late.body.duplicate, true);
    await settle(600);
    assert.equal(partnerCalls(target, 7, (p) => p.get('tid') === tid).length, 1);
  },

  async 'a replayed postback and 50 concurrent copies record one conversion and one partner postback'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7');
    const before = target.partner(7).requests.length;
    const query = `tid=${tid}&security_token=${TOKEN}`;
    const results = await Promise.all(Array.from({ length: 50 }, () => postback(target, query)));
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)));
    assert.equal(results.filter((r) => r.body.duplicate === false).length, 1);
    assert.equal(new Set(results.map((r) => r.body.conversion_id)).size, 1);

    const again = await postback(target, query);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.conversion_id, results[0].body.conversion_id);
    assert.equal(again.body.status, 'approved');

    const conversions = (await target.storedKeys()).filter((k) => k.startsWith('conversion/'));
    assert.equal(conversions.filter((k) => k === `conversion/${again.body.conversion_id}`).length, 1);
    await waitFor(() => target.partner(7).requests.length > before, { what: 'the partner postback' });
    await settle(600);
    assert.equal(target.partner(7).requests.slice(before).filter((r) => r.url.searchParams.get('tid') === tid).length, 1);
  },

  async 'a multi-event offer records each distinct event once'(target) {
    const { tid } = await click(target, 'offer_id=300&aff_id=8');
    const install = await postback(target, `tid=${tid}`);
    const registration = await postback(target, `tid=${tid}&event=registration`);
    const purchase = await postback(target, `tid=${tid}&goal=purchase&amount=20`);
    const purchase2 = await postback(target, `tid=${tid}&goal=purchase&amount=30`);
    const installAgain = await postback(target, `tid=${tid}&goal=install`);
    for (const r of [install, registration, purchase, purchase2]) {
      assert.equal(r.status, 200);
      assert.equal(r.body.duplicate, false);
    }
    assert.deepEqual([install, registration, purchase].map((r) => r.body.goal), ['install', 'registration', 'purchase']);
    assert.equal(new Set([install, registration, purchase, purchase2].map((r) => r.body.conversion_id)).size, 4);
    assert.equal(installAgain.body.duplicate, true);
    assert.equal(installAgain.body.conversion_id, install.body.conversion_id);
    // The same purchase however it is spelled is one event (goal purchase: dedupe by fingerprint).
    const respelled = await postback(target, `TID=${tid.toUpperCase()}&event=purchase&sum=20.000`);
    assert.equal(respelled.body.duplicate, true, JSON.stringify(respelled.body));
    assert.equal(respelled.body.conversion_id, purchase.body.conversion_id);
  },

  async 'a repeating goal without an event id is refused, saying what to send'(target) {
    const { tid } = await click(target, 'offer_id=300&aff_id=8');
    const before = await target.storedKeys();
    const refused = await postback(target, `tid=${tid}&goal=gems&amount=4.99`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.reason, 'missing_adv_sub');
    assert.match(refused.body.message, /send adv_sub \(or order_id, txid or event_id\)/);
    assert.deepEqual((await target.storedKeys()).filter((k) => !k.startsWith('click/')), before.filter((k) => !k.startsWith('click/')));
    const first = await postback(target, `tid=${tid}&goal=gems&amount=4.99&event_id=G-1`);
    const second = await postback(target, `tid=${tid}&goal=gems&amount=4.99&event_id=G-2`);
    assert.deepEqual([first.status, first.body.duplicate, second.status, second.body.duplicate], [200, false, 200, false]);
  },

  async 'form and JSON POST bodies work like GET'(target) {
    const results = [];
    for (const send of ['get', 'form', 'json']) {
      const { tid } = await click(target, 'offer_id=200&aff_id=8');
      const fields = { clickid: tid, sale_amount: '200.00', currency: 'EUR', order_id: `O-${send}` };
      const form = new URLSearchParams(fields).toString();
      const init = send === 'form'
        ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }
        : send === 'json'
          ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, sale_amount: 200 }) }
          : {};
      const r = await postback(target, send === 'get' ? form : '', init);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'approved');
      results.push(tid);
    }
    for (const tid of results) {
      await waitFor(() => target.partner(8).requests.some((r) => r.url.searchParams.get('tx') === tid),
        { what: `the partner postback of ${tid}` });
      const sent = target.partner(8).requests.find((r) => r.url.searchParams.get('tx') === tid);
      assert.equal(sent.url.searchParams.get('payout'), '11.00');  // 1.00 + 5% of 200.00
    }
  },

  async 'every refusal has its status and reason and changes nothing'(target) {
    const { tid } = await click(target, 'offer_id=100&aff_id=7');
    const locked = (await click(target, 'offer_id=400&aff_id=7')).tid;
    const tampered = tid.slice(0, 20) + (tid[20] === 'a' ? 'b' : 'a') + tid.slice(21);
    const now = Math.floor(Date.now() / 1000);
    const unknownKey = mintClickId({ keyId: 9, keyHex: KEY_HEX, clickTime: now, offerId: 100, affiliateId: 7 });
    const expired = mintClickId({ keyId: 3, keyHex: KEY_HEX, clickTime: now - 7200, offerId: 500, affiliateId: 7 });
    const cases = [
      [`tid=${tampered}&security_token=${TOKEN}`, 400, 'invalid_transaction_id'],
      [`tid=${unknownKey}&security_token=${TOKEN}`, 400, 'invalid_transaction_id'],
      [`tid=not-an-id&security_token=${TOKEN}`, 400, 'invalid_transaction_id'],
      [`security_token=${TOKEN}`, 400, 'invalid_request'],
      [`tid=${tid}&security_token=wrong-token-0000000`, 401, 'unauthorized'],
      [`tid=${tid}`, 401, 'unauthorized'],
      [`tid=${locked}&security_token=${TOKEN}`, 403, 'ip_not_allowed'],
      [`tid=${tid}&security_token=${TOKEN}&goal=lead`, 400, 'unknown_goal'],
      [`tid=${expired}`, 410, 'expired'],
      [`tid=${tid}&security_token=${TOKEN}&amount=12,50`, 400, 'invalid_request'],
    ];
    const before = (await target.storedKeys()).sort();
    for (const [query, status, reason] of cases) {
      const r = await postback(target, query);
      assert.equal(r.status, status, `${query}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.reason, reason, query);
      assert.equal(r.body.status, 'rejected');
    }
    assert.deepEqual((await target.storedKeys()).sort(), before);

    // A valid ID minted by the independent implementation of the format is accepted.
    const independent = mintClickId({ keyId: 3, keyHex: KEY_HEX, clickTime: now, offerId: 100, affiliateId: 7 });
    const accepted = await postback(target, `tid=${independent}&security_token=${TOKEN}`);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.status, 'approved');
  },

  async 'click refusals name their reason'(target) {
    for (const [query, status, text] of [
      ['aff_id=7', 400, 'offer_id is required'],
      ['offer_id=999&aff_id=7', 404, 'unknown offer 999'],
      ['offer_id=100&aff_id=99', 403, 'affiliate 99 may not send traffic to offer 100'],
      [`offer_id=100&aff_id=7&aff_sub=${'x'.repeat(9000)}`, 414, ''],
    ]) {
      const response = await fetch(`${target.base}/click?${query}`, { redirect: 'manual' });
      assert.equal(response.status, status, query.slice(0, 60));
      assert.match(await response.text(), new RegExp(text));
    }
  },
};
