// The HTTP front with a fake engine in JS: routing, limits, client address, logs. The real
// functions are exercised by tests/e2e; here only the runner's own behaviour is under test.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { EventsLog } from '../src/events-log.mjs';
import { LedgerLog } from '../src/ledger-log.mjs';
import { clientAddress, requestAddress, requestCountry, trustedProxyList } from '../src/client-address.mjs';
import { createRunnerServer, LIMITS } from '../src/http-server.mjs';
import { redactTarget } from '../src/redact.mjs';
import { ResourceHealth } from '../src/resource-health.mjs';
import { request, tempDir, waitFor } from './helpers.mjs';

function fakeEngine(answer) {
  const engine = {
    calls: [],
    running: 0,
    maxRunning: 0,
    runningOf: {},
    maxRunningOf: {},
    async cgi(name, req, { computes = false } = {}) {
      engine.calls.push({ name, req, computes });
      engine.running += 1;
      engine.maxRunning = Math.max(engine.maxRunning, engine.running);
      engine.runningOf[name] = (engine.runningOf[name] ?? 0) + 1;
      engine.maxRunningOf[name] = Math.max(engine.maxRunningOf[name] ?? 0, engine.runningOf[name]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      engine.running -= 1;
      engine.runningOf[name] -= 1;
      return answer?.(name, req) ?? {
        status: name === 'click' ? 302 : 200,
        headers: name === 'click' ? [['location', 'https://shop.example/landing'], ['cache-control', 'no-store']] : [['content-type', 'application/json']],
        body: JSON.stringify({ function: name }),
        exitCode: 0,
        stderr: `{"type":"${name}"}\n`,
      };
    },
  };
  return engine;
}

// The ledger log is real; `failing` makes its sync fail, as a full or broken disk would.
async function start(t, { engine = fakeEngine(), limits = LIMITS, ready = () => true, extra, trustedProxies, probe } = {}) {
  let log = null;
  t.after(() => log?.close());  // before tempDir's own hook removes the directory
  const dir = tempDir(t);
  const access = [];
  const errors = [];
  const warnings = [];
  const events = new EventsLog(path.join(dir, 'events.log'), { warn: (line) => warnings.push(line) });
  fs.mkdirSync(path.join(dir, 'kv'));
  log = new LedgerLog(path.join(dir, 'ledger'), path.join(dir, 'kv'), events);
  await log.recover();
  const ledger = {
    failing: false,
    append: (...args) => log.append(...args),
    durable: () => (ledger.failing ? Promise.reject(new Error('the disk is full')) : log.durable()),
    apply: (records) => log.apply(records),
  };
  const health = new ResourceHealth({ log: (l) => errors.push(l), probePath: dir, ...(probe ? { probe } : {}) });
  const server = createRunnerServer({ engine, events, ledger, accessLog: (l) => access.push(l), errorLog: (l) => errors.push(l), isReady: ready, limits, extra, trustedProxies, health });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return { engine, server, events, ledger, access, errors, warnings, dir, origin: `http://127.0.0.1:${server.address().port}` };
}

test('routes and aliases reach their function; the function\'s response is passed through', async (t) => {
  const s = await start(t);
  for (const [target, fn] of [['/click?offer_id=1', 'click'], ['/aff_c?offer_id=1', 'click'], ['/postback?x=1', 'postback'], ['/aff_lsr?x=1', 'postback']]) {
    const response = await request(`${s.origin}${target}`);
    assert.equal(response.status, fn === 'click' ? 302 : 200, target);
    if (fn === 'click') {
      assert.equal(response.headers.location, 'https://shop.example/landing');
      assert.equal(response.headers['cache-control'], 'no-store');
    }
    assert.deepEqual(JSON.parse(response.body), { function: fn });
  }
  assert.deepEqual(s.engine.calls.map((c) => [c.name, c.req.path]), [
    ['click', '/click'], ['click', '/aff_c'], ['postback', '/postback'], ['postback', '/aff_lsr'],
  ]);
  assert.equal(s.engine.calls[0].req.query, 'offer_id=1');
});

test('the engine is told which runs only compute: clicks, not postbacks or status changes', async (t) => {
  const s = await start(t);
  for (const target of ['/click?offer_id=1', '/aff_c?offer_id=1', '/postback?x=1', '/aff_lsr?x=1']) await request(`${s.origin}${target}`);
  await request(`${s.origin}/api/conversions/0123456789abcdef01234567`, { method: 'POST', body: 'status=approved' });
  assert.deepEqual(s.engine.calls.map((c) => [c.req.path, c.computes]), [
    ['/click', true], ['/aff_c', true], ['/postback', false], ['/aff_lsr', false],
    ['/api/conversions/0123456789abcdef01234567', false],
  ]);
});

test('HEAD /click runs the function and sends no body; wrong methods are 405 with Allow', async (t) => {
  const s = await start(t);
  const head = await request(`${s.origin}/click?offer_id=1`, { method: 'HEAD' });
  assert.equal(head.status, 302);
  assert.equal(head.body, '');
  assert.equal(s.engine.calls[0].req.method, 'HEAD');

  const wrong = await request(`${s.origin}/click`, { method: 'POST', body: 'a=1' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.allow, 'GET, HEAD');
  assert.equal(JSON.parse(wrong.body).error, 'method_not_allowed');
  const put = await request(`${s.origin}/postback`, { method: 'PUT' });
  assert.equal(put.headers.allow, 'GET, POST');
  assert.equal(s.engine.calls.length, 1);
});

test('POST bodies and request headers reach the function; REMOTE_ADDR is the TCP peer', async (t) => {
  const s = await start(t);
  await request(`${s.origin}/postback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.66', 'X-Real-IP': '203.0.113.67' },
    body: '{"transaction_id":"abc"}',
  });
  const { req } = s.engine.calls[0];
  assert.equal(req.method, 'POST');
  assert.equal(req.body.toString(), '{"transaction_id":"abc"}');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['x-forwarded-for'], '203.0.113.66', 'passed on as a header, for what it is worth');
  assert.equal(req.remoteAddr, '127.0.0.1');
});

test('the client address drops the IPv4-mapped prefix and nothing else', () => {
  assert.equal(clientAddress({ remoteAddress: '::ffff:198.51.100.7' }), '198.51.100.7');
  assert.equal(clientAddress({ remoteAddress: '2001:db8::1' }), '2001:db8::1');
  assert.equal(clientAddress({ remoteAddress: '::1' }), '::1');
  assert.equal(clientAddress({ remoteAddress: '::ffff:c633:6407' }), '::ffff:c633:6407');
});

test('/healthz answers ok; unknown paths are a JSON 404', async (t) => {
  const s = await start(t);
  const health = await request(`${s.origin}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.body, 'ok\n');
  const missing = await request(`${s.origin}/admin?x=1`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(missing.body), { error: 'not_found', message: 'no route for /admin' });
  assert.equal(s.engine.calls.length, 0);
});

test('a request target over 8192+200 bytes is a 414 before any function runs', async (t) => {
  const s = await start(t);
  const base = '/click?aff_sub=';
  const atLimit = await request(`${s.origin}${base}${'x'.repeat(LIMITS.maxTargetBytes - base.length)}`);
  assert.equal(atLimit.status, 302);
  const over = await request(`${s.origin}${base}${'x'.repeat(LIMITS.maxTargetBytes - base.length + 1)}`);
  assert.equal(over.status, 414);
  assert.equal(JSON.parse(over.body).error, 'uri_too_long');
  const huge = await request(`${s.origin}${base}${'x'.repeat(20_000)}`);
  assert.equal(huge.status, 414, 'still the specific answer above Node\'s default header limit');
  assert.equal(s.engine.calls.length, 1);
  assert.match(s.access.at(-1), /\.\.\.\(20015 bytes\) 414 /);
});

test('a body over 64 KiB is a 413, by Content-Length or while streaming, and no function runs', async (t) => {
  const s = await start(t);
  const big = 'a'.repeat(LIMITS.maxBodyBytes + 1);
  const declared = await request(`${s.origin}/postback`, { method: 'POST', body: big });
  assert.equal(declared.status, 413);
  assert.equal(declared.headers.connection, 'close');

  const chunked = await request(`${s.origin}/postback`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: big });
  assert.equal(chunked.status, 413);
  assert.equal(JSON.parse(chunked.body).error, 'body_too_large');

  const exact = await request(`${s.origin}/postback`, { method: 'POST', body: 'a'.repeat(LIMITS.maxBodyBytes) });
  assert.equal(exact.status, 200);
  assert.equal(s.engine.calls.length, 1);
});

test('a request not received within the timeout is answered 408 and closed', async (t) => {
  const s = await start(t, { limits: { ...LIMITS, requestTimeoutMs: 400 } });
  const socket = net.connect(s.server.address().port, '127.0.0.1');
  t.after(() => socket.destroy());
  let received = '';
  socket.on('data', (chunk) => { received += chunk; });
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write('POST /postback HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it');
  let timer;
  await Promise.race([closed, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('not closed within 5 s')), 5000); })]);
  clearTimeout(timer);
  assert.match(received, /^HTTP\/1\.1 408 /);
  assert.equal(s.engine.calls.length, 0);
});

test('functions run one request at a time', async (t) => {
  const s = await start(t);
  await Promise.all(Array.from({ length: 5 }, (_, i) => request(`${s.origin}/click?i=${i}`)));
  assert.equal(s.engine.calls.length, 5);
  assert.equal(s.engine.maxRunning, 1);
});

test('postbacks, which wait on the disk, take every place of the engine; clicks at most the compute places', async (t) => {
  const engine = Object.assign(fakeEngine(), { concurrency: 4, computeConcurrency: 1 });
  const s = await start(t, { engine });
  const postback = (i) => request(`${s.origin}/postback?i=${i}`);
  const click = (i) => request(`${s.origin}/click?i=${i}`);

  await Promise.all(Array.from({ length: 8 }, (_, i) => postback(i)));
  assert.equal(engine.maxRunningOf.postback, 4);

  const mixed = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? click(i) : postback(i))));
  assert.deepEqual(mixed.map((r) => r.status), Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 302 : 200)));
  assert.equal(engine.maxRunningOf.click, 1, 'clicks never take more than the compute places');
  assert.equal(engine.maxRunning, 4, 'no more runs at once than the engine takes');
});

test('a function that fails is a 500 that names no internals; its stderr is kept', async (t) => {
  const s = await start(t, {
    engine: fakeEngine((name, req) => {
      if (req.query === 'trap') throw Object.assign(new Error('RuntimeError: unreachable'), { stderr: 'abort: bad things\n' });
      return { status: 200, headers: [], body: '', exitCode: 3, stderr: '' };
    }),
  });
  const exited = await request(`${s.origin}/click?exit`);
  assert.equal(exited.status, 500);
  assert.equal(JSON.parse(exited.body).error, 'function_failed');
  const trapped = await request(`${s.origin}/click?trap`);
  assert.equal(trapped.status, 500);
  assert.deepEqual(s.errors, ['error: click.wasm exited with code 3', 'error: click.wasm failed: RuntimeError: unreachable']);
  assert.deepEqual(s.warnings, ['[click.wasm] abort: bad things']);
});

test('JSON stderr lines go to events.log; other lines are reported, not mixed in', async (t) => {
  const s = await start(t, {
    engine: fakeEngine(() => ({ status: 200, headers: [], body: 'x', exitCode: 0, stderr: '{"type":"click","time":1}\ndebug: hello\n{"type":"rejection"}\n' })),
  });
  await request(`${s.origin}/click?a=1`);
  await request(`${s.origin}/click?a=2`);
  await s.events.flush();
  assert.deepEqual(fs.readFileSync(path.join(s.dir, 'events.log'), 'utf8').trim().split('\n'), [
    '{"type":"click","time":1}', '{"type":"rejection"}', '{"type":"click","time":1}', '{"type":"rejection"}',
  ]);
  assert.deepEqual(s.warnings, ['[click.wasm] debug: hello', '[click.wasm] debug: hello']);
});

test('a postback is answered only once its ledger log, events included, is on disk; a click does not wait for it', async (t) => {
  const s = await start(t);
  s.ledger.failing = true;
  const refused = await request(`${s.origin}/postback?x=1`);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '5');
  assert.equal(JSON.parse(refused.body).reason, 'store_unavailable');
  assert.ok(s.errors.some((e) => /ledger log not on disk: the disk is full/.test(e)), s.errors.join('\n'));
  assert.equal((await request(`${s.origin}/click?a=1`)).status, 302);
  const statusApi = await request(`${s.origin}/api/conversions/abc/status`, { method: 'POST', body: '{}' });
  assert.equal(statusApi.status, 503);
  assert.deepEqual(JSON.parse(statusApi.body), { error: 'store_unavailable', message: 'the change could not be stored; retry later' },
    'the status API\'s own shape, as the library and the Worker answer it');

  s.ledger.failing = false;
  const answered = await request(`${s.origin}/postback?x=2`);
  assert.equal(answered.status, 200);
  await s.events.flush();
  const types = fs.readFileSync(path.join(s.dir, 'events.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
  assert.deepEqual(types, ['postback', 'click', 'postback', 'postback'], 'a retry emits them again; readers drop the repeats by id');
  const [logFile] = fs.readdirSync(path.join(s.dir, 'ledger'));
  const logged = fs.readFileSync(path.join(s.dir, 'ledger', logFile), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(logged.filter((l) => l.op === 'event' && l.event.type === 'postback').length, 3,
    'each postback run\'s events are in the log (the failed syncs\' too: the log is only ever appended)');
  assert.ok(!logged.some((l) => l.op === 'event' && l.event.type === 'click'), 'a click\'s are not');
});

test('a run with a ledger line that is not a write is not acknowledged', async (t) => {
  const s = await start(t, {
    engine: fakeEngine(() => ({ status: 200, headers: [], body: '{}', exitCode: 0, stderr: '',
      ledger: { records: [], lines: [], malformed: 1 } })),
  });
  const answer = await request(`${s.origin}/postback?x=1`);
  assert.equal(answer.status, 503);
  assert.ok(s.errors.some((e) => /1 ledger lines are not writes/.test(e)), s.errors.join('\n'));
});

test('the access log has time, ip, method, path, status and duration, without credentials', async (t) => {
  const s = await start(t);
  await request(`${s.origin}/postback?transaction_id=abc&security_token=s3cret&Signature=f00&amount=1`);
  await waitFor(() => s.access.length === 1, { what: 'access log line' });
  assert.match(s.access[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1 GET \/postback\?transaction_id=abc&security_token=REDACTED&Signature=REDACTED&amount=1 200 \d+\.\dms$/);
  assert.ok(!s.access[0].includes('s3cret'));
});

test('redactTarget also catches encoded parameter names', () => {
  assert.equal(redactTarget('/p?security%5Ftoken=x&b=2'), '/p?security%5Ftoken=REDACTED&b=2');
  assert.equal(redactTarget('/p?SECURITY_TOKEN=x'), '/p?SECURITY_TOKEN=REDACTED');
  assert.equal(redactTarget('/p?signature'), '/p?signature');
  assert.equal(redactTarget('/p'), '/p');
});

test('until the runner is ready, requests are answered 503', async (t) => {
  let ready = false;
  const s = await start(t, { ready: () => ready });
  const early = await request(`${s.origin}/click`);
  assert.equal(early.status, 503);
  assert.equal(early.headers['retry-after'], '1');
  ready = true;
  assert.equal((await request(`${s.origin}/click`)).status, 302);
});

test('extra routes (the demo pages) are asked before the 404', async (t) => {
  const s = await start(t, {
    extra: async (req, res, { path: route }) => {
      if (route !== '/demo/x') return false;
      res.end('demo');
      return true;
    },
  });
  assert.equal((await request(`${s.origin}/demo/x`)).body, 'demo');
  assert.equal((await request(`${s.origin}/demo/y`)).status, 404);
});

test('X-Forwarded-For: right-most untrusted hop, only when the peer is a trusted proxy', () => {
  const trusted = trustedProxyList(['10.0.0.0/8', '2001:db8:1::/48']);
  const none = trustedProxyList([]);
  // No trusted proxies (the default): the header is ignored whatever it says.
  assert.equal(requestAddress('127.0.0.1', '203.0.113.5', none), '127.0.0.1');
  // The peer is not a trusted proxy: ignored.
  assert.equal(requestAddress('198.51.100.1', '203.0.113.5', trusted), '198.51.100.1');
  // Trusted peer: the right-most address that is not a trusted proxy; spoofed left entries lost.
  assert.equal(requestAddress('10.0.0.1', '203.0.113.5', trusted), '203.0.113.5');
  assert.equal(requestAddress('10.0.0.1', '203.0.113.99, 198.51.100.7, 10.1.1.1', trusted), '198.51.100.7');
  assert.equal(requestAddress('10.0.0.1', ['203.0.113.99', '198.51.100.7'], trusted), '198.51.100.7', 'repeated headers');
  assert.equal(requestAddress('2001:db8:1::5', '::ffff:198.51.100.8', trusted), '198.51.100.8');
  // A malformed hop stops the walk at the last trusted address; no header: the peer.
  assert.equal(requestAddress('10.0.0.1', '203.0.113.5, not-an-ip', trusted), '10.0.0.1');
  assert.equal(requestAddress('10.0.0.1', '203.0.113.5, 10.2.2.2, 1.2.3.4:80', trusted), '10.0.0.1');
  assert.equal(requestAddress('10.0.0.1', undefined, trusted), '10.0.0.1');
  assert.equal(requestAddress('10.0.0.1', '10.3.3.3, 10.2.2.2', trusted), '10.3.3.3', 'all trusted: the left-most');
});

test('CF-IPCountry is the visitor\'s country only from a trusted proxy peer', () => {
  const trusted = trustedProxyList(['10.0.0.0/8']);
  assert.equal(requestCountry('10.0.0.1', { 'cf-ipcountry': 'de' }, trusted), 'de');
  assert.equal(requestCountry('198.51.100.1', { 'cf-ipcountry': 'de' }, trusted), '');
  assert.equal(requestCountry('127.0.0.1', { 'cf-ipcountry': 'de' }, trustedProxyList([])), '');
  assert.equal(requestCountry('10.0.0.1', {}, trusted), '');
});

test('REMOTE_ADDR follows X-Forwarded-For only from a trusted proxy peer', async (t) => {
  const plain = await start(t);
  const behind = await start(t, { trustedProxies: ['127.0.0.0/8'] });
  for (const s of [plain, behind]) {
    await request(`${s.origin}/postback?x=1`, { headers: { 'X-Forwarded-For': '203.0.113.9, 198.51.100.20' } });
  }
  assert.equal(plain.engine.calls[0].req.remoteAddr, '127.0.0.1');
  assert.equal(behind.engine.calls[0].req.remoteAddr, '198.51.100.20');
  assert.match(behind.access.at(-1), / 198\.51\.100\.20 GET /);
});

test('out of descriptors: 503 with Retry-After (not 500), /healthz 503 while it lasts, then recovery by itself', async (t) => {
  let exhausted = true;
  const engine = fakeEngine();
  const real = engine.cgi;
  engine.cgi = async (name, req) => {
    if (exhausted) throw Object.assign(new Error('UVWASI_EMFILE, uvwasi_init'), { code: 'UVWASI_EMFILE' });
    return real(name, req);
  };
  const s = await start(t, { engine, probe: () => { if (exhausted) throw Object.assign(new Error('EMFILE'), { code: 'EMFILE' }); } });
  for (let i = 0; i < 20; i += 1) {
    const click = await request(`${s.origin}/click?offer_id=1`);
    assert.equal(click.status, 503);
    assert.equal(click.headers['retry-after'], '1');
    assert.equal(JSON.parse(click.body).error, 'resource_exhausted');
  }
  const health = await request(`${s.origin}/healthz`);
  assert.equal(health.status, 503);
  assert.equal(JSON.parse(health.body).failures, 21);
  assert.equal(s.errors.filter((line) => line.startsWith('resource exhausted')).length, 1, 'logged once, not per request');
  exhausted = false;
  assert.equal((await request(`${s.origin}/click?offer_id=1`)).status, 302);
  assert.equal((await request(`${s.origin}/healthz`)).status, 200);
  assert.match(s.errors.at(-1), /^resource recovered: .*21 failure\(s\)/);
});
