// The edgepost Worker: routes /click and /postback (and /aff_c, /aff_lsr) to the library's
// exchanges and runs each as a loop: the library yields a command, commands.mjs carries it
// out, the outcome goes back, until the exchange is finished. The protocol (claims, commit,
// replays, outbox) is the library's (lib/include/edgepost/postback_exchange.hpp); nothing
// here decides. The answer goes out when the exchange says respond; what follows it (a
// click's record) runs in waitUntil.
//
// Bindings (deploy/cloudflare/wrangler.toml): KV (config records, clicks), CLAIMS (Durable
// Object ClaimStore: the ledger), PARTNER_QUEUE (Queue producer), EVENTS_QUEUE (every event,
// consumed into REPORTS_DB, the D1 report store; its name in EVENTS_QUEUE_NAME), secrets
// EDGEPOST_SIGNING_KEYS / EDGEPOST_SIGNING_KEY_ID, EDGEPOST_ADMIN_TOKEN (the operator's status
// API). Nothing secret is in the bundle.
import { explanation, REPORTS_PATH, reportApi } from './admin-api.mjs';
import { ClaimStore } from './claims.mjs';
import { dashboardFile, serveDashboard } from './dashboard.mjs';
import { execute } from './commands.mjs';
import { call, engine } from './engine.mjs';
import { consume } from './outbox-consumer.mjs';
import { consumeEvents } from './report-store.mjs';

export { ClaimStore };

const ROUTES = { '/click': 'click', '/aff_c': 'click', '/postback': 'postback', '/aff_lsr': 'postback' };
// The operator's APIs (the library checks the token): POST /api/conversions/{id}/status,
// GET /api/explain/{transaction_id} (its history from D1 added: admin-api.mjs).
const PREFIXES = [['/api/conversions/', 'status_api'], ['/api/explain/', 'explain']];

function routeFor(pathname) {
  return ROUTES[pathname] ?? PREFIXES.find(([prefix]) => pathname.startsWith(prefix))?.[1];
}
const MAX_BODY_BYTES = 64 * 1024;  // the library's form-body limit

function problem(what, detail) {
  console.log(JSON.stringify({ type: 'error', time: Math.floor(Date.now() / 1000), what,
    detail: String(detail?.message ?? detail) }));
}

function text(status, body) {
  return new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

function jsonRefusal(status, reason, message, headers = {}) {
  const body = { status: 'rejected', reason, message, duplicate: false };
  return new Response(`${JSON.stringify(body)}\n`,
    { status, headers: { 'content-type': 'application/json', ...headers } });
}

// What answers when the library cannot: the module failed to load or trapped.
const UNAVAILABLE = {
  click: () => text(500, 'click function misconfigured'),
  postback: () => jsonRefusal(503, 'store_unavailable', 'the conversion could not be stored; retry later',
    { 'retry-after': '5' }),
  status_api: () => new Response(`${JSON.stringify({ error: 'store_unavailable', message: 'the change could not be stored; retry later' })}\n`,
    { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '5' } }),
  explain: () => new Response(`${JSON.stringify({ error: 'store_unavailable', message: 'the ID could not be explained; retry later' })}\n`,
    { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '5' } }),
};

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
    admin_token: env.EDGEPOST_ADMIN_TOKEN ?? '',
    // How old a kept copy of a click's config may be, as set (the library reads the text, and
    // logs and ignores a value it cannot take).
    ...(env.EDGEPOST_CONFIG_MAX_AGE_SECONDS === undefined ? {} : { config_max_age: env.EDGEPOST_CONFIG_MAX_AGE_SECONDS }),
  };
}

// request.text() would turn malformed UTF-8 into U+FFFD and hide it from the library, which
// refuses such bodies everywhere else: decode strictly instead.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

async function libraryRequest(request, url, route) {
  let body = '';
  if (route !== 'click' && request.body) {
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
    // Cloudflare's placement of the peer (request.cf), never a header the client could set.
    country: request.cf?.country ?? '',
  };
}

function checked(answer) {
  if (answer.error) throw new Error(answer.error);
  return answer;
}

// Carries out the current command and hands its outcome back: the exchange's next step.
async function advance(module, current, env) {
  const outcome = await execute(current.command, env);
  return checked(call(module, 'exchange_resume', { handle: current.handle, outcome }));
}

// Runs the exchange until it has responded, then the rest of it in waitUntil.
async function runExchange(module, start, env, ctx) {
  let current = checked(call(module, 'exchange_start', start));
  try {
    while (!current.finished) {
      if (current.command.kind !== 'respond') {
        current = await advance(module, current, env);
        continue;
      }
      const response = toResponse(current.command.response);
      current = await advance(module, current, env);
      if (!current.finished) {
        ctx.waitUntil(finish(module, current, env).catch((error) => problem('exchange not finished', error)));
      }
      return response;
    }
  } catch (error) {
    if (!current.finished) call(module, 'exchange_drop', { handle: current.handle });
    throw error;
  }
  throw new Error('the exchange finished without a response');
}

async function finish(module, current, env) {
  let at = current;
  while (!at.finished) at = await advance(module, at, env);
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === REPORTS_PATH) return reportApi(request, url, env);
    const dashboard = dashboardFile(url.pathname);
    if (dashboard !== null) return serveDashboard(request, dashboard);
    const route = routeFor(url.pathname);
    if (!route) return text(404, `no such function: ${url.pathname}`);
    const library = await libraryRequest(request, url, route);
    if (library.tooLarge) return text(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    if (library.notUtf8) return jsonRefusal(400, 'invalid_request', 'body: not valid UTF-8');
    try {
      const module = await engine();
      const response = await runExchange(module, { exchange: route, request: library, env: environment(env) }, env, ctx);
      return route === 'explain' ? await explanation(response, env) : response;
    } catch (error) {
      problem(`${route} exchange failed`, error);
      return UNAVAILABLE[route]();
    }
  },

  async queue(batch, env) {
    if (batch.queue === env.EVENTS_QUEUE_NAME) return consumeEvents(batch, env);
    const module = await engine();
    await consume(batch, env, (host) => call(module, 'partner_target', { host }).refused);
  },
};
