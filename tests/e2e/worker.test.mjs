// The product on Cloudflare's runtime: the Worker on workerd through Miniflare, with the
// same scenarios as the local runner (scenarios.mjs) and stub servers on 127.0.0.1.
// CTest runs this inside a network namespace with loopback only (deploy/cloudflare/netns.sh).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { networkConfig, TOKEN } from './network.mjs';
import { click, postback, scenarios } from './scenarios.mjs';
import { freePort, startStub, waitFor } from './stubs.mjs';
import { startWorkerTarget } from './worker-target.mjs';

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
    worker = await startWorkerTarget({ config: net.config });
    Object.assign(target, {
      base: worker.base,
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
      assert.ok(['queued', 'dead'].includes(await state()));
      await waitFor(async () => (await state()) === 'dead', { timeoutMs: 30000, what: 'the dead letter' });
      const failures = worker.output.filter((l) => l.includes('partner_postback_failed') && l.includes(key.slice(7)));
      assert.equal(failures.length, 3, 'the first attempt and max_retries = 2 retries');
    } finally {
      await worker.dispose();
      for (const stub of net.stubs) await stub.close();
    }
  });
});
