// What both hostile-input suites (runner and Worker) send: the e2e network plus an HMAC
// advertiser, its raw stubs, an independent implementation of the postback signature, and the
// keys used for rotation tests.
import crypto from 'node:crypto';
import { startRawStub } from './hostile-runner.mjs';
import { networkConfig } from './network.mjs';

export const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const HMAC_SECRET = 'hostile-hmac-secret-0123456789abcdef';
export const KEY4 = 'a4'.repeat(32);
export const KEY5 = 'b5'.repeat(32);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The e2e network plus an HMAC advertiser (4) and its offer (600), paid to affiliate 8.
export function hostileConfig({ landing, partner }) {
  const config = networkConfig({ landing, partner });
  config.advertisers.push({ id: 4, name: 'Signed', auth: { hmac_secret: HMAC_SECRET } });
  config.offers.push({ id: 600, advertiser_id: 4, name: 'Signed', url: `${landing}?tid={transaction_id}`,
    goals: [{ id: 'sale', revenue: { fixed: '3' }, payout: { fixed: '2' } }] });
  return config;
}

// The landing page and partners 7, 8 and 9 as raw stubs on 127.0.0.1, and the config that
// points at them: what a hostile-scenarios target's landing and partner(id) are.
export async function startHostileNetwork() {
  const landing = await startRawStub();
  const partners = { 7: await startRawStub(), 8: await startRawStub(), 9: await startRawStub() };
  return {
    landing,
    partner: (id) => partners[id],
    config: hostileConfig({ landing: landing.url('/landing'), partner: (id) => partners[id].url(`/aff${id}`) }),
    close: async () => {
      for (const stub of [landing, ...Object.values(partners)]) await stub.close();
    },
  };
}

// docs/postback-auth.md, implemented independently of the library.
const enc = (s) => Buffer.from(String(s), 'utf8').toString('binary').replace(/[^A-Za-z0-9\-._~]/g,
  (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
export function signQuery(params, secret = HMAC_SECRET) {
  const base = Object.entries(params).map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join('&');
  const signature = crypto.createHmac('sha256', secret).update(base).digest('hex');
  return `${base}&signature=${signature}`;
}

/** The same signed query with the first hex digit of its signature changed (never to itself). */
export function tamperSignature(query) {
  return query.replace(/signature=(.)/, (_, c) => `signature=${c === '0' ? '1' : '0'}`);
}
