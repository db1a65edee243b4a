// Partner postbacks: queued once per conversion and affiliate, delivered by the Queue
// consumer with retries, dead-lettered after max_retries (wrangler.toml).
//
// The outbox marker "outbox/<id>" in the claim store plays the part of the WASI adapter's
// outbox record written if absent: a replay, or 49 concurrent copies of a postback, find
// it and queue nothing again. Its value follows the delivery: queued, delivered, dead.
import { claims } from './claims.mjs';

const USER_AGENT = 'edgepost-worker/0.1 (partner postback)';

export function outboxKey(id) {
  return `outbox/${id}`;
}

function record(postback, state, extra = {}) {
  return JSON.stringify({ id: postback.id, aff_id: postback.aff_id, url: postback.url, state, ...extra });
}

// Queue each postback whose marker this request wins. A failed send releases the marker so
// that the advertiser's retry (it gets a 503) queues it again. Returns false on failure.
export async function enqueue(env, postbacks, now) {
  for (const postback of postbacks) {
    const key = outboxKey(postback.id);
    const marker = await claims.putIfAbsent(env.CLAIMS, key, record(postback, 'queued', { created: now }), 0);
    if (!marker.won) continue;
    try {
      await env.PARTNER_QUEUE.send({ id: postback.id, aff_id: postback.aff_id, url: postback.url });
    } catch (error) {
      await claims.remove(env.CLAIMS, key).catch(() => {});
      throw error;
    }
  }
}

// Workers cannot reach private networks in production anyway; locally (tests, Miniflare)
// they can, so such targets are refused unless ALLOW_PRIVATE_TARGETS says otherwise. The rule is
// the library's (lib/partner_target.hpp): hostReason(host) asks it through
// the module's partner_target export. The URL parser has already normalised every IPv4 spelling
// (127.1, 2130706433, 0x7f000001) to a dotted quad and IPv6 to its compressed form. Names that
// resolve to private addresses cannot be checked here (Workers have no DNS API); the platform
// refuses to connect to them.
export function refusedTarget(urlText, env, hostReason) {
  let url;
  try {
    url = new URL(urlText);
  } catch {
    return `not a valid URL: ${urlText}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol}`;
  if (url.username || url.password) return 'URL with user name or password refused';
  if (env.ALLOW_PRIVATE_TARGETS === 'true') return null;
  const why = hostReason(url.hostname);
  return why === null ? null : `private target refused: ${url.hostname} (${why})`;
}

// -> { ok, status?, error? }; never throws. Redirects are not followed, one deadline for all.
export async function deliver(urlText, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(urlText, {
      redirect: 'manual',
      signal: controller.signal,
      headers: { 'user-agent': USER_AGENT, accept: '*/*' },
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    if (controller.signal.aborted) return { ok: false, error: `no complete answer within ${timeoutMs} ms` };
    return { ok: false, error: String(error?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

function log(event) {
  console.log(JSON.stringify({ time: Math.floor(Date.now() / 1000), ...event }));
}

function retryDelay(attempts, env) {
  const base = Number(env.RETRY_BASE_SECONDS ?? 30);
  return Math.min(base * 2 ** Math.max(0, attempts - 1), 12 * 3600);
}

async function deliverOne(message, env, hostReason) {
  const postback = message.body;
  const key = outboxKey(postback.id);
  const stored = await claims.get(env.CLAIMS, key);
  const state = stored ? JSON.parse(stored).state : null;
  // At-least-once queues can hand a message over twice: a delivered one is not sent again.
  if (state === 'delivered') return message.ack();
  const refused = refusedTarget(postback.url, env, hostReason);
  if (refused) {
    log({ type: 'partner_postback_refused', id: postback.id, reason: refused });
    await claims.set(env.CLAIMS, key, record(postback, 'refused', { error: refused }));
    return message.ack();
  }
  const result = await deliver(postback.url, Number(env.DELIVERY_TIMEOUT_MS ?? 5000));
  if (result.ok) {
    await claims.set(env.CLAIMS, key, record(postback, 'delivered', { attempts: message.attempts }));
    log({ type: 'partner_postback', id: postback.id, aff_id: postback.aff_id, status: result.status });
    return message.ack();
  }
  log({ type: 'partner_postback_failed', id: postback.id, attempt: message.attempts, error: result.error });
  return message.retry({ delaySeconds: retryDelay(message.attempts, env) });
}

// After max_retries the platform moves a message to the dead-letter queue; its consumer
// marks the entry dead, so operators see it in the claim store and can send it again.
async function buryOne(message, env) {
  const postback = message.body;
  await claims.set(env.CLAIMS, outboxKey(postback.id), record(postback, 'dead'));
  log({ type: 'partner_postback_dead', id: postback.id, aff_id: postback.aff_id });
  message.ack();
}

// hostReason(host): the library's verdict on a partner's host (see refusedTarget).
export async function consume(batch, env, hostReason) {
  const dead = batch.queue === env.DEAD_LETTER_QUEUE;
  for (const message of batch.messages) {
    try {
      await (dead ? buryOne(message, env) : deliverOne(message, env, hostReason));
    } catch (error) {
      log({ type: 'error', what: 'partner postback not processed', detail: String(error?.message ?? error) });
      message.retry({ delaySeconds: retryDelay(message.attempts, env) });
    }
  }
}
