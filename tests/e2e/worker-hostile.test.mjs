// Hostile input through the Worker's HTTP interface on workerd: the hostile scenarios every
// target runs (hostile-scenarios.mjs; hostile.test.mjs runs them on the local runner), then
// what is the Worker's own: the client address Cloudflare's edge gives it.
// CTest runs this inside a network namespace with loopback only (deploy/cloudflare/netns.sh).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHostileNetwork } from './hostile-network.mjs';
import { clickTid, hostileScenarios, pb } from './hostile-scenarios.mjs';
import { TOKEN } from './network.mjs';
import { startWorkerTarget } from './worker-target.mjs';

// A Worker on a fresh hostile network, as a target of the hostile scenarios; its stores are KV
// and the claim Durable Objects. stop() takes all of it down.
async function startTarget(vars = {}) {
  const net = await startHostileNetwork();
  // A delivery that times out after the partner got it is sent again (at least once, as
  // documented); 200 requests at once can keep workerd busy past the targets' default 1 s,
  // which would make "one partner postback" a race. 5 s keeps it about concurrency.
  const worker = await startWorkerTarget({ config: net.config, vars: { DELIVERY_TIMEOUT_MS: '5000', ...vars } })
    .catch(async (error) => {
      await net.close();
      throw error;
    });
  return {
    base: worker.base,
    landing: net.landing,
    partner: net.partner,
    storedKeys: worker.storedKeys,
    storedValue: worker.storedValue,
    outboxSettleMs: 1500,  // a Queue delivers it, later than the runner's 100 ms scans
    bodyTooLarge: /request body larger than 65536 bytes/,
    nonUtf8Json: /not valid UTF-8/,  // the Worker decodes bodies strictly before the library sees them
    // workerd answers an absolute-form target itself ("invalid URL" in its own URL parser)
    // before the Worker runs; Cloudflare's edge, not workerd, faces clients in production.
    absoluteFormStatus: 500,
    startWithKeys: (keys) => startTarget(keys),
    async stop() {
      await worker.dispose();
      await net.close();
    },
  };
}

describe('hostile input: the Worker on workerd', () => {
  let target;
  before(async () => {
    target = await startTarget();
  });
  after(() => target?.stop());

  for (const [name, scenario] of Object.entries(hostileScenarios)) {
    test(name, () => scenario(target));
  }

  // The scenarios show that no other header gets a client past an allowlist; this is the one
  // that does. Miniflare sets cf-connecting-ip to the peer (127.0.0.1) unless the request has
  // one, as Cloudflare's edge sets it in production.
  test('client IP: cf-connecting-ip is the client, and an address in it inside the allowlist is accepted', async () => {
    const tid = await clickTid(target, 'offer_id=400&aff_id=7');
    const r = await pb(target, `tid=${tid}&security_token=${TOKEN}`, { headers: { 'CF-Connecting-IP': '203.0.113.5' } });
    assert.deepEqual([r.status, r.body?.status], [200, 'approved'], r.text);
  });
});
