// The runner's HTTP front: routes requests to the functions, enforces the request limits
// before any wasm runs, and writes the access log.
//
//   GET|HEAD  /click     (alias /aff_c)    -> click.wasm
//   GET|POST  /postback  (alias /aff_lsr)  -> postback.wasm
//   POST      /api/conversions/{id}/status -> postback.wasm (the operator's status API)
//   GET|HEAD  /healthz                     -> 200 "ok", or 503 JSON while a resource is exhausted
//   anything else                          -> the extra handler (report API, demo pages) or 404 JSON

import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { sendJson } from './json-response.mjs';
import { clientAddress, requestAddress, requestCountry, trustedProxyList } from './client-address.mjs';
import { logTarget } from './redact.mjs';
import { routeFor } from './routes.mjs';
import { RunPlaces } from './run-places.mjs';
import { settleRun } from './settle-run.mjs';

export const LIMITS = Object.freeze({
  maxTargetBytes: 8192 + 200,  // the library's 8 KiB query limit plus room for path and names
  maxBodyBytes: 64 * 1024,
  requestTimeoutMs: 10_000,
  // Node answers 431 by itself above maxHeaderSize (16 KiB by default), before any handler:
  // raised so that a long request target gets the specific 414 from this runner.
  maxHeaderBytes: 32 * 1024,
});

// Framing is Node's business: the function's values for these are not forwarded.
const NOT_FORWARDED = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

// options:
//   engine      { cgi(name, request, { computes }), concurrency } (engine.mjs)
//   events      EventsLog, for each run's stderr
//   ledger      LedgerLog (ledger-log.mjs), for each run's ledger writes; absent: a run that
//               makes one is answered 503
//   accessLog   (line) => void
//   errorLog    (line) => void
//   extra       async (req, res, { path, query }) => boolean: true if it answered (demo pages)
//   isReady     () => boolean: false while the runner starts (answers 503)
//   health      ResourceHealth (resource-health.mjs): counts exhaustion, probes for /healthz
//   trustedProxies  CIDR texts (--trusted-proxy): peers whose X-Forwarded-For and CF-IPCountry
//                   are believed
//   onHostLines ({ enqueued, expiring }) => void: what a run told its host (host-lines.mjs), also
//               when it failed afterwards
export function createRunnerServer({ engine, events, ledger, accessLog, errorLog, extra, health, isReady = () => true, limits = LIMITS,
  trustedProxies = [], onHostLines = () => {} }) {
  const places = new RunPlaces({ places: engine.concurrency ?? 1, computePlaces: engine.computeConcurrency });
  const isTrustedProxy = trustedProxyList(trustedProxies);
  const server = http.createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
  });

  server.on('request', (req, res) => {
    const started = performance.now();
    const peer = clientAddress(req.socket);
    const ip = requestAddress(peer, req.headers['x-forwarded-for'], isTrustedProxy);
    res.on('close', () => {
      const status = res.writableFinished ? res.statusCode : `${res.headersSent ? res.statusCode : '-'} (connection closed early)`;
      accessLog(`${new Date().toISOString()} ${ip} ${req.method} ${logTarget(req.url, limits.maxTargetBytes)} ${status} ` +
        `${(performance.now() - started).toFixed(1)}ms`);
    });
    handle(req, res, ip, peer).catch((error) => {
      errorLog(`error: ${req.method} ${logTarget(req.url, limits.maxTargetBytes)}: ${error.stack ?? error.message}`);
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: 'internal_error', message: 'the runner failed to handle this request' });
      else res.destroy();
    });
  });

  server.on('clientError', (error, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // A response already under way on this connection cannot be replaced.
    if (socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', `request line and headers exceed ${limits.maxHeaderBytes} bytes`]
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', `request not received within ${limits.requestTimeoutMs} ms`]
          : [400, 'bad_request', 'malformed HTTP request'];
    const body = JSON.stringify({ error: code, message });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    if (!socket._httpMessage) accessLog(`${new Date().toISOString()} ${clientAddress(socket)} - - ${status} (${error.code})`);
  });

  async function handle(req, res, ip, peer) {
    if (!isReady()) {
      sendJson(res, 503, { error: 'starting', message: 'the runner is starting; try again in a moment' }, { 'Retry-After': '1' });
      return;
    }
    const target = req.url;
    if (Buffer.byteLength(target) > limits.maxTargetBytes) {
      sendJson(res, 414, { error: 'uri_too_long', message: `request target exceeds ${limits.maxTargetBytes} bytes` });
      return;
    }
    const question = target.indexOf('?');
    const path = question < 0 ? target : target.slice(0, question);
    const query = question < 0 ? '' : target.slice(question + 1);

    if (path === '/healthz') {
      if (!allowMethod(req, res, ['GET', 'HEAD'])) return;
      const state = health.check();
      if (!state.ok) {
        sendJson(res, 503, { error: 'resource_exhausted', message: `out of ${state.resource}`, resource: state.resource, since: state.since,
          failures: state.failures },
          { 'Retry-After': '1' });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': 3 });
      res.end('ok\n');
      return;
    }
    const route = routeFor(path);
    if (!route) {
      if (extra && (await extra(req, res, { path, query, ip }))) return;
      sendJson(res, 404, { error: 'not_found', message: `no route for ${path}` });
      return;
    }
    if (!allowMethod(req, res, route.methods)) return;

    const body = await readBody(req, limits.maxBodyBytes);
    if (body === null) return;  // the client went away
    if (body.tooLarge) {
      // Connection: close, so that Node does not wait for the rest of a body nobody will read.
      sendJson(res, 413, { error: 'body_too_large', message: `request body exceeds ${limits.maxBodyBytes} bytes` }, { Connection: 'close' });
      return;
    }

    const country = requestCountry(peer, req.headers, isTrustedProxy);
    const request = { method: req.method, path, query, headers: req.headers, body: body.bytes, remoteAddr: ip, country };
    let result;
    try {
      const computes = !route.waitsOnDisk;
      result = await places.run(() => engine.cgi(route.fn, request, { computes }), { computes });
    } catch (error) {
      if (health.failed(error, `${req.method} ${path}`)) {
        sendJson(res, 503, { error: 'resource_exhausted', message: 'the runner is out of a resource; try again shortly' }, { 'Retry-After': '1' });
        return;
      }
      if (error.stderr) await settle(error, false);
      errorLog(`error: ${route.fn}.wasm failed: ${error.message}`);
      sendJson(res, 500, { error: 'function_failed', message: `${route.fn} failed; see the runner's log` });
      return;
    }
    if (!(result.exhausted && health.failed(result.exhausted, `${req.method} ${path}`))) health.succeeded();
    const stored = await settle(result, route.durable);
    if (result.exitCode !== 0) {
      errorLog(`error: ${route.fn}.wasm exited with code ${result.exitCode}`);
      sendJson(res, 500, { error: 'function_failed', message: `${route.fn} failed; see the runner's log` });
      return;
    }
    if (!stored) {
      // What the run wrote is in kv/ or not at all; the advertiser's retry completes it, and
      // by then the event lines (kept in memory) are written.
      sendJson(res, 503, route.notStored, { 'Retry-After': '5' });
      return;
    }
    sendFunctionResponse(res, result);

    function settle(run, durable) {
      return settleRun({ run, source: `${route.fn}.wasm`, ledger, events, heard: onHostLines, durable, errorLog });
    }
  }

  return server;
}

function allowMethod(req, res, methods) {
  if (methods.includes(req.method)) return true;
  sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed here; use ${methods.join(' or ')}` },
    { Allow: methods.join(', ') });
  return false;
}

// -> { bytes: Buffer } | { tooLarge: true } | null (aborted). Never holds more than `max` bytes.
function readBody(req, max) {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return Promise.resolve({ tooLarge: true });
  return new Promise((resolve) => {
    const chunks = [];
    let total = 0;
    const done = (value) => {
      req.removeListener('data', onData);
      resolve(value);
    };
    const onData = (chunk) => {
      total += chunk.length;
      if (total > max) done({ tooLarge: true });
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => done({ bytes: Buffer.concat(chunks) }));
    req.on('error', () => done(null));
    req.on('close', () => {
      if (!req.complete) done(null);
    });
  });
}

function sendFunctionResponse(res, result) {
  const headers = {};
  for (const [name, value] of result.headers) {
    if (NOT_FORWARDED.has(name)) continue;
    (headers[name] ??= []).push(value);
  }
  const body = Buffer.from(result.body);
  res.writeHead(result.status, { ...headers, 'Content-Length': body.length });
  res.end(body);
}
