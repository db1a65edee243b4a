import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliver } from '../src/deliver.mjs';
import { nonPublicReason, resolveTarget } from '../src/target-policy.mjs';
import { startStub } from './helpers.mjs';

test('non-public addresses are named with the reason', () => {
  const cases = {
    '127.0.0.1': 'loopback',
    '127.8.9.10': 'loopback',
    '10.1.2.3': 'private',
    '172.16.0.1': 'private',
    '172.31.255.255': 'private',
    '192.168.1.1': 'private',
    '100.64.0.1': 'carrier-grade NAT',
    '100.127.255.255': 'carrier-grade NAT',
    '169.254.169.254': 'link-local',
    '0.0.0.0': 'unspecified',
    '224.0.0.1': 'multicast',
    '255.255.255.255': 'reserved',
    '::': 'unspecified',
    '::1': 'loopback',
    'fe80::1': 'link-local',
    'fd12:3456::1': 'unique-local',
    'fc00::1': 'unique-local',
    'ff02::1': 'multicast',
  };
  for (const [address, why] of Object.entries(cases)) assert.equal(nonPublicReason(address), why, address);
});

test('IPv4 hidden in IPv6 is judged by the IPv4 address', () => {
  assert.match(nonPublicReason('::ffff:127.0.0.1'), /^loopback \(IPv4 127\.0\.0\.1 inside IPv6\)/);
  assert.match(nonPublicReason('::ffff:7f00:1'), /^loopback/);
  assert.match(nonPublicReason('64:ff9b::a9fe:a9fe'), /^link-local/);
  assert.match(nonPublicReason('2002:c0a8:0101::1'), /^private/);
  assert.equal(nonPublicReason('::ffff:93.184.216.34'), null);
});

test('public addresses pass', () => {
  for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::6810:85e5', '2a00:1450:4001::200e']) {
    assert.equal(nonPublicReason(address), null, address);
  }
});

test('a name is refused when any one of its addresses is private', async () => {
  const lookup = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }];
  await assert.rejects(resolveTarget('partner.example', { lookup }), /private target refused: partner\.example resolves to 10\.0\.0\.5 \(private\)/);
  assert.deepEqual(await resolveTarget('partner.example', { lookup, allowPrivate: true }), { address: '93.184.216.34', family: 4 });
});

test('IP literals, bracketed IPv6 included, are checked without DNS', async () => {
  const lookup = async () => assert.fail('no lookup for a literal');
  await assert.rejects(resolveTarget('[::1]', { lookup }), /private target refused: ::1 resolves to ::1 \(loopback\)/);
  assert.deepEqual(await resolveTarget('93.184.216.34', { lookup }), { address: '93.184.216.34', family: 4 });
});

test('deliver refuses a loopback partner without sending anything', async (t) => {
  const stub = await startStub(t);
  const result = await deliver(`${stub.origin}/pb?tx=1`, { timeoutMs: 2000 });
  assert.equal(result.ok, false);
  assert.match(result.error, /^private target refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/);
  assert.equal(stub.requests.length, 0);
});

test('deliver refuses localhost by its resolved addresses', async () => {
  const result = await deliver('http://localhost:9/pb', { timeoutMs: 2000 });
  assert.equal(result.ok, false);
  assert.match(result.error, /^private target refused: localhost resolves to/);
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
