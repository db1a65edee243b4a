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
// they can, so such targets are refused unless ALLOW_PRIVATE_TARGETS says otherwise. The URL
// parser has already normalised every IPv4 spelling (127.1, 2130706433, 0x7f000001) to a
// dotted quad and IPv6 to its compressed form, so the checks below see one form of each.
// Names that resolve to private addresses cannot be checked here (Workers have no DNS API);
// the platform refuses to connect to them.
function isPrivateV4(host) {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  const value = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
  const ranges = [[0x00000000, 8], [0x0a000000, 8], [0x64400000, 10], [0x7f000000, 8],
    [0xa9fe0000, 16], [0xac100000, 12], [0xc0a80000, 16], [0xe0000000, 4], [0xffffffff, 32]];
  return ranges.some(([base, bits]) => (value >>> (32 - bits)) === (base >>> (32 - bits)));
}

function isPrivateV6(bracketed) {
  const host = bracketed.slice(1, -1).toLowerCase();
  if (host === '::' || host === '::1') return true;
  if (/^f[cd]/.test(host) || /^fe[89ab]/.test(host) || /^ff/.test(host)) return true;  // ULA, link-local, multicast
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const high = parseInt(mapped[1], 16);
    const low = parseInt(mapped[2], 16);
    return isPrivateV4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return /^64:ff9b::/.test(host);  // NAT64 reaches IPv4 space, private ranges included
}

export function isPrivateHost(hostname) {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return host.startsWith('[') ? isPrivateV6(host) : isPrivateV4(host);
}

export function refusedTarget(urlText, env) {
  let url;
  try {
    url = new URL(urlText);
  } catch {
    return `not a valid URL: ${urlText}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol}`;
  if (url.username || url.password) return 'URL with user name or password refused';
  if (env.ALLOW_PRIVATE_TARGETS !== 'true' && isPrivateHost(url.hostname)) {
    return `private target refused: ${url.hostname}`;
  }
  return null;
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

async function deliverOne(message, env) {
  const postback = message.body;
  const key = outboxKey(postback.id);
  const stored = await claims.get(env.CLAIMS, key);
  const state = stored ? JSON.parse(stored).state : null;
  // At-least-once queues can hand a message over twice: a delivered one is not sent again.
  if (state === 'delivered') return message.ack();
  const refused = refusedTarget(postback.url, env);
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

export async function consume(batch, env) {
  const dead = batch.queue === env.DEAD_LETTER_QUEUE;
  for (const message of batch.messages) {
    try {
      await (dead ? buryOne(message, env) : deliverOne(message, env));
    } catch (error) {
      log({ type: 'error', what: 'partner postback not processed', detail: String(error?.message ?? error) });
      message.retry({ delaySeconds: retryDelay(message.attempts, env) });
    }
  }
}
