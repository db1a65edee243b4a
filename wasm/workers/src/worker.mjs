// The edgepost Worker: routes /click and /postback (and /aff_c, /aff_lsr), reads the KV keys
// the library's plan names, lets the library decide, and applies the decision the way the
// WASI adapter does (wasm/wasi/function.cpp): claims first, each written only if absent and
// in order; a lost claim answers decide_duplicate() of the stored value; refusals look at
// their replay keys; then the writes, then the partner postbacks, then the response.
//
// Bindings (deploy/cloudflare/wrangler.toml): KV (config records, clicks, conversions),
// CLAIMS (Durable Object ClaimStore), PARTNER_QUEUE (Queue producer), secrets
// EDGEPOST_SIGNING_KEYS / EDGEPOST_SIGNING_KEY_ID. Nothing secret is in the bundle.
import { ClaimStore, claims } from './claims.mjs';
import { call, engine } from './engine.mjs';
import { consume, enqueue } from './outbox.mjs';

export { ClaimStore };

const ROUTES = { '/click': 'click', '/aff_c': 'click', '/postback': 'postback', '/aff_lsr': 'postback' };
const MAX_BODY_BYTES = 64 * 1024;  // the library's form-body limit
const KV_MIN_TTL = 60;             // Workers KV refuses expirationTtl below 60 s

function log(line) {
  console.log(line);
}

function problem(what, detail, now) {
  log(JSON.stringify({ type: 'error', time: now, what, detail: String(detail?.message ?? detail) }));
}

function text(status, body) {
  return new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

function storeUnavailable() {
  const body = { status: 'rejected', reason: 'store_unavailable',
    message: 'the conversion could not be stored; retry later', duplicate: false };
  return new Response(`${JSON.stringify(body)}\n`,
    { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '5' } });
}

function invalidBody(message) {
  const body = { status: 'rejected', reason: 'invalid_request', message, duplicate: false };
  return new Response(`${JSON.stringify(body)}\n`, { status: 400, headers: { 'content-type': 'application/json' } });
}

function toResponse({ status, headers, body }) {
  return new Response(body, { status, headers: new Headers(headers) });
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Time, entropy and keys: the environment a decision is made in, from the platform.
function environment(env) {
  return {
    now: Math.floor(Date.now() / 1000),
    entropy: hex(crypto.getRandomValues(new Uint8Array(16))),
    signing_keys: env.EDGEPOST_SIGNING_KEYS ?? '',
    signing_key_id: env.EDGEPOST_SIGNING_KEY_ID ?? '',
  };
}

// request.text() would turn malformed UTF-8 into U+FFFD and hide it from the library, which
// refuses such bodies everywhere else: decode strictly instead.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

async function libraryRequest(request, url, route) {
  let body = '';
  if (route === 'postback' && request.body) {
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > MAX_BODY_BYTES) return { tooLarge: true };
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > MAX_BODY_BYTES) return { tooLarge: true };
    try {
      body = STRICT_UTF8.decode(bytes);
    } catch {
      return { notUtf8: true };
    }
  }
  return {
    method: request.method.toUpperCase(),
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    headers: [...request.headers],
    body,
    // The peer as Cloudflare saw it; the header cannot be set by the client on Workers.
    client_ip: request.headers.get('cf-connecting-ip') ?? '',
  };
}

// One round of reads: every key the plan names, at once. Absent keys stay out.
async function readKeys(env, keys) {
  const values = await Promise.all(keys.map((key) => env.KV.get(key)));
  const snapshot = {};
  keys.forEach((key, i) => { if (values[i] !== null) snapshot[key] = values[i]; });
  return snapshot;
}

function expiry(write, now) {
  return write.ttl > 0 ? now + write.ttl : 0;
}

async function storeAll(env, writes) {
  await Promise.all(writes.map((write) => env.KV.put(write.key, write.value,
    write.ttl > 0 ? { expirationTtl: Math.max(KV_MIN_TTL, write.ttl) } : {})));
}

async function handleClick(library, module, env, ctx) {
  const environ = environment(env);
  const { now } = environ;
  const planned = call(module, 'plan_click', { request: library, env: environ });
  if (planned.error) {
    problem('click function misconfigured', planned.error, 0);
    return text(500, 'click function misconfigured');
  }
  let snapshot;
  try {
    snapshot = await readKeys(env, planned.keys);
  } catch (error) {
    problem('click config not readable', error, now);
    return text(503, 'configuration store unavailable; try again');
  }
  const decision = call(module, 'decide_click', { request: library, snapshot, env: environ });
  if (decision.error) {
    problem('click function misconfigured', decision.error, 0);
    return text(500, 'click function misconfigured');
  }
  // The person is redirected at once; the click record follows. A lost click record costs
  // sub IDs in reports, a slow redirect costs the advertiser a visitor.
  ctx.waitUntil(storeAll(env, decision.writes).catch((error) => problem('click not stored', error, now)));
  decision.events.forEach(log);
  return toResponse(decision.response);
}

// The answer to a replay, from the claim the original left.
async function answerReplay(module, env, stored, now) {
  if (stored === null || stored === undefined) return storeUnavailable();
  const duplicate = call(module, 'decide_duplicate', { claim: stored, now });
  if (duplicate.error) throw new Error(duplicate.error);
  duplicate.events.forEach(log);
  await storeAll(env, duplicate.writes);
  await enqueue(env, duplicate.postbacks, now);
  return toResponse(duplicate.response);
}

// A refusal on today's rules of a conversion recorded earlier.
async function replayOf(module, env, decision, now) {
  for (const key of decision.replay_keys) {
    const stored = await claims.get(env.CLAIMS, key);
    if (stored !== null) return answerReplay(module, env, stored, now);
  }
  return null;
}

async function release(env, claimed) {
  await Promise.all(claimed.map((key) => claims.remove(env.CLAIMS, key).catch(() => {})));
}

// Acknowledged only after the claim, the records and the queued postbacks are stored: any
// failure answers 503, and the advertiser's retry finds the claim and completes the rest.
async function applyPostback(module, env, decision, now) {
  const replay = await replayOf(module, env, decision, now);
  if (replay) return replay;
  const claimed = [];
  for (const claim of decision.claims) {
    let result;
    try {
      result = await claims.putIfAbsent(env.CLAIMS, claim.key, claim.value, expiry(claim, now));
    } catch (error) {
      await release(env, claimed);
      problem('claim not stored', error, now);
      return storeUnavailable();
    }
    if (!result.won) {
      await release(env, claimed);
      return answerReplay(module, env, result.value, now);
    }
    claimed.push(claim.key);
  }
  await storeAll(env, decision.writes);
  await enqueue(env, decision.postbacks, now);
  decision.events.forEach(log);
  return toResponse(decision.response);
}

async function handlePostback(library, module, env) {
  const environ = environment(env);
  const planned = call(module, 'plan_postback', { request: library, env: environ });
  if (planned.error) {
    problem('postback function misconfigured', planned.error, 0);
    return storeUnavailable();
  }
  try {
    const snapshot = await readKeys(env, planned.keys);
    const decision = call(module, 'decide_postback', { request: library, snapshot, env: environ });
    if (decision.error) throw new Error(decision.error);
    return await applyPostback(module, env, decision, environ.now);
  } catch (error) {
    problem('postback not stored', error, environ.now);
    return storeUnavailable();
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const route = ROUTES[url.pathname];
    if (!route) return text(404, `no such function: ${url.pathname}`);
    const library = await libraryRequest(request, url, route);
    if (library.tooLarge) return text(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    if (library.notUtf8) return invalidBody('body: not valid UTF-8');
    let module;
    try {
      module = await engine();
    } catch (error) {
      problem('library module not loaded', error, 0);
      return route === 'click' ? text(500, 'click function misconfigured') : storeUnavailable();
    }
    return route === 'click' ? handleClick(library, module, env, ctx) : handlePostback(library, module, env);
  },

  async queue(batch, env) {
    const module = await engine();
    await consume(batch, env, (host) => call(module, 'partner_target', { host }).refused);
  },
};
