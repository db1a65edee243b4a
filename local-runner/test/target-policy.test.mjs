// The runner applies the library's partner-target policy (lib/partner_target.hpp, whose Catch2
// vectors cover every range) through the real partner-target.wasm; here: that the runner asks
// it about the name and every address, and acts on the answers.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { deliver } from '../src/deliver.mjs';
import { resolveTarget, targetJudge } from '../src/target-policy.mjs';
import { partnerTargetJudge } from '../../tests/e2e/functions.mjs';
import { startStub } from './helpers.mjs';

let judge;
before(async () => {
  judge = await partnerTargetJudge();
});

test('the library names non-public addresses, IPv4 hidden in IPv6 and localhost names with the reason', async () => {
  const cases = {
    '127.0.0.1': 'loopback', '10.1.2.3': 'private', '100.64.0.1': 'carrier-grade NAT', '169.254.169.254': 'link-local',
    '0.0.0.0': 'unspecified', '224.0.0.1': 'multicast', '255.255.255.255': 'reserved', '198.18.0.1': 'benchmarking',
    '::1': 'loopback', 'fe80::1': 'link-local', 'fd12:3456::1': 'unique-local', 'fec0::1': 'site-local (deprecated)',
    '::ffff:127.0.0.1': 'loopback', '64:ff9b::a9fe:a9fe': 'link-local', '2002:c0a8:101::1': 'private',
    localhost: 'loopback (localhost)', 'a.localhost.': 'loopback (localhost)',
    '93.184.216.34': null, '172.32.0.1': null, '2606:4700::6810:85e5': null, '::ffff:93.184.216.34': null, 'partner.example': null,
  };
  assert.deepEqual(await judge(Object.keys(cases)), Object.values(cases));
});

test('a judge that cannot answer fails the delivery check rather than letting it through', async () => {
  const broken = targetJudge({ command: async () => ({ exitCode: 1, stdout: '', stderr: 'partner-target: input too long' }) });
  await assert.rejects(broken(['10.0.0.1']), /partner-target\.wasm failed \(exit code 1\): partner-target: input too long/);
  await assert.rejects(resolveTarget('10.0.0.1', {}), /no partner-target policy/);
  const result = await deliver('http://10.0.0.1/pb', { judge: broken, timeoutMs: 2000 });
  assert.equal(result.ok, false);
  assert.match(result.error, /partner-target\.wasm failed/);
});

test('a name is refused when any one of its addresses is private', async () => {
  const lookup = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }];
  await assert.rejects(resolveTarget('partner.example', { lookup, judge }), /private target refused: partner\.example resolves to 10\.0\.0\.5 \(private\)/);
  assert.deepEqual(await resolveTarget('partner.example', { lookup, allowPrivate: true }), { address: '93.184.216.34', family: 4 });
});

test('IP literals, bracketed IPv6 included, are checked without DNS', async () => {
  const lookup = async () => assert.fail('no lookup for a literal');
  await assert.rejects(resolveTarget('[::1]', { lookup, judge }), /private target refused: ::1 resolves to ::1 \(loopback\)/);
  assert.deepEqual(await resolveTarget('93.184.216.34', { lookup, judge }), { address: '93.184.216.34', family: 4 });
});

test('deliver refuses a loopback partner without sending anything', async (t) => {
  const stub = await startStub(t);
  const result = await deliver(`${stub.origin}/pb?tx=1`, { timeoutMs: 2000, judge });
  assert.equal(result.ok, false);
  assert.match(result.error, /^private target refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/);
  assert.equal(stub.requests.length, 0);
});

test('deliver refuses localhost by its name, whatever it resolves to', async () => {
  const lookup = async () => [{ address: '93.184.216.34', family: 4 }];
  const result = await deliver('http://localhost:9/pb', { timeoutMs: 2000, judge, lookup });
  assert.equal(result.ok, false);
  assert.match(result.error, /^private target refused: localhost \(loopback \(localhost\)\)/);
});

test('the connection goes to the checked address, not to a second DNS answer', async (t) => {
  const stub = await startStub(t);
  const port = new URL(stub.origin).port;
  let lookups = 0;
  // A name no resolver knows: the request can only reach the stub through the pinned address.
  const lookup = async () => {
    lookups += 1;
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const result = await deliver(`http://partner.invalid:${port}/pb?x=1`, { allowPrivateTargets: true, lookup, timeoutMs: 2000 });
  assert.deepEqual(result, { ok: true, status: 200 });
  assert.equal(lookups, 1);
  assert.equal(stub.requests[0].url, '/pb?x=1');
  assert.equal(stub.requests[0].headers.host, `partner.invalid:${port}`, 'the Host header keeps the name');
});

test('deliver: 2xx is success; 3xx is a failure and the redirect is not followed; 5xx fails', async (t) => {
  const stub = await startStub(t, (req, res) => {
    if (req.url === '/redirect') res.writeHead(302, { Location: '/ok' }).end();
    else if (req.url === '/error') res.writeHead(500).end('down');
    else res.writeHead(204).end();
  });
  const options = { allowPrivateTargets: true, timeoutMs: 2000 };
  assert.deepEqual(await deliver(`${stub.origin}/ok`, options), { ok: true, status: 204 });
  assert.deepEqual(await deliver(`${stub.origin}/redirect`, options), { ok: false, status: 302, error: 'HTTP 302 (redirects are not followed)' });
  assert.deepEqual(await deliver(`${stub.origin}/error`, options), { ok: false, status: 500, error: 'HTTP 500' });
  assert.deepEqual(stub.requests.map((r) => r.url), ['/ok', '/redirect', '/error']);
});

test('deliver: a partner that never answers costs the timeout, no more', async (t) => {
  const stub = await startStub(t, () => {});  // accepts, never answers
  const started = Date.now();
  const result = await deliver(`${stub.origin}/hang`, { allowPrivateTargets: true, timeoutMs: 300 });
  assert.deepEqual(result, { ok: false, error: 'no complete answer within 300 ms' });
  assert.ok(Date.now() - started < 1500);
});

test('deliver: an endless response body is cut after 64 KiB; the status still counts', async (t) => {
  let written = 0;
  const stub = await startStub(t, (req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = () => {
      while (written < 10 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
      if (written < 10 * 1024 * 1024) res.once('drain', pump);
    };
    res.on('error', () => {});
    pump();
  });
  const result = await deliver(`${stub.origin}/big`, { allowPrivateTargets: true, timeoutMs: 3000 });
  assert.deepEqual(result, { ok: true, status: 200 });
  assert.ok(written < 10 * 1024 * 1024, 'the runner stopped reading long before the end');
});

test('deliver: bad URLs and schemes fail with a reason', async () => {
  assert.match((await deliver('not a url')).error, /not a valid URL/);
  assert.match((await deliver('ftp://example.com/x')).error, /unsupported scheme ftp:/);
  assert.match((await deliver('http://user:pw@example.com/x')).error, /user name or password/);
});
