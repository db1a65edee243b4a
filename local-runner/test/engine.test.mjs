// Both engines run the same module the same way. The wasmtime engine is run against
// test/fake-wasmtime.mjs (wasmtime itself cannot be installed here), which accepts only the
// command line the runner is meant to build and records it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine, findWasmtime } from '../src/engine.mjs';
import { FAKE_WASMTIME, FIXTURE_WASM, tempDir } from './helpers.mjs';

const SECRETS = { EDGEPOST_SIGNING_KEYS: `1:${'ab'.repeat(32)}`, EDGEPOST_SIGNING_KEY_ID: '1' };

function setup(t) {
  const root = tempDir(t);
  const functionsDir = path.join(root, 'functions');
  const kvDir = path.join(root, 'kv');
  fs.mkdirSync(functionsDir);
  fs.mkdirSync(kvDir);
  for (const name of ['click', 'config']) fs.copyFileSync(FIXTURE_WASM, path.join(functionsDir, `${name}.wasm`));
  return { root, functionsDir, kvDir };
}

const REQUEST = {
  method: 'POST',
  path: '/postback',
  query: 'transaction_id=abc&amount=1.50',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'test agent', proxy: 'http://evil' },
  body: 'goal=sale',
  remoteAddr: '203.0.113.9',
};

function lines(body, prefix) {
  return body.split('\n').filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
}

for (const kind of ['node', 'wasmtime']) {
  test(`${kind} engine: a CGI run gets the request, the secrets and /kv; the response is parsed`, async (t) => {
    const { functionsDir, kvDir } = setup(t);
    const engine = await createEngine({ kind, functionsDir, kvDir, secrets: SECRETS, functions: ['click'], wasmtime: FAKE_WASMTIME });
    const response = await engine.cgi('click', REQUEST);
    assert.equal(response.exitCode, 0);
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers, [['content-type', 'text/plain']]);
    const env = lines(response.body, 'env=');
    for (const expected of [
      'REQUEST_METHOD=POST', 'PATH_INFO=/postback', 'QUERY_STRING=transaction_id=abc&amount=1.50',
      'REMOTE_ADDR=203.0.113.9', 'CONTENT_LENGTH=9', 'CONTENT_TYPE=application/x-www-form-urlencoded',
      'HTTP_USER_AGENT=test agent', `EDGEPOST_SIGNING_KEYS=${SECRETS.EDGEPOST_SIGNING_KEYS}`, 'EDGEPOST_SIGNING_KEY_ID=1',
    ]) assert.ok(env.includes(expected), `${expected} in ${JSON.stringify(env)}`);
    assert.ok(!env.some((v) => v.startsWith('HTTP_PROXY=')), 'a Proxy header never becomes HTTP_PROXY');
    assert.ok(!env.some((v) => v.startsWith('PATH=') || v.startsWith('HOME=')), 'nothing of the host environment leaks in');
    assert.deepEqual(lines(response.body, 'stdin='), ['goal=sale']);
    assert.equal(response.stderr, '{"type":"fixture","ok":true}\nplain stderr line\n');
  });

  test(`${kind} engine: a command gets its arguments and stdin, /kv only when asked, and its exit code`, async (t) => {
    const { functionsDir, kvDir } = setup(t);
    const engine = await createEngine({ kind, functionsDir, kvDir, functions: ['config'], wasmtime: FAKE_WASMTIME });
    const run = await engine.command('config', { args: ['written-by-wasm'], stdin: '{"offers":[]}', kv: true });
    assert.equal(run.exitCode, 1, 'the fixture exits with its argument count');
    assert.deepEqual(lines(run.stdout, 'arg=').slice(1), ['written-by-wasm']);
    assert.equal(fs.readFileSync(path.join(kvDir, 'written-by-wasm'), 'utf8'), '{"offers":[]}');

    const noKv = await engine.command('config', { args: ['nowhere'], stdin: 'x' });
    assert.equal(noKv.exitCode, 70, 'without kv: true there is no preopened directory to write to');
  });
}

test('wasmtime engine: the exact command line, with request data and secrets passed by name only', async (t) => {
  const { root, functionsDir, kvDir } = setup(t);
  const log = path.join(root, 'argv.log');
  process.env.FAKE_WASMTIME_LOG = log;
  t.after(() => delete process.env.FAKE_WASMTIME_LOG);
  fs.copyFileSync(FIXTURE_WASM, path.join(functionsDir, 'postback.wasm'));
  const engine = await createEngine({ kind: 'wasmtime', functionsDir, kvDir, secrets: SECRETS, functions: ['postback', 'config'], wasmtime: FAKE_WASMTIME });
  assert.equal(engine.description, `wasmtime 0.0.0-fake (edgepost test double) (${FAKE_WASMTIME})`);
  const response = await engine.cgi('postback', {
    method: 'GET', path: '/postback', query: 'transaction_id=t&security_token=adv-secret', headers: { host: 'h', cookie: 'session=c00kie' }, remoteAddr: '::1',
  });
  assert.ok(lines(response.body, 'env=').includes('QUERY_STRING=transaction_id=t&security_token=adv-secret'), 'the function still gets it');
  assert.ok(lines(response.body, 'env=').includes('HTTP_COOKIE=session=c00kie'));
  await engine.command('config', { args: ['validate'], stdin: '{}' });

  const [version, cgi, command] = fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(version, ['--version']);
  assert.deepEqual(cgi, [
    'run', '--dir', `${kvDir}::/kv`,
    '--env', 'GATEWAY_INTERFACE', '--env', 'SERVER_PROTOCOL', '--env', 'REQUEST_METHOD',
    '--env', 'PATH_INFO', '--env', 'QUERY_STRING', '--env', 'REMOTE_ADDR',
    '--env', 'HTTP_HOST', '--env', 'HTTP_COOKIE',
    '--env', 'EDGEPOST_SIGNING_KEYS', '--env', 'EDGEPOST_SIGNING_KEY_ID',
    path.join(functionsDir, 'postback.wasm'),
  ]);
  for (const secret of [SECRETS.EDGEPOST_SIGNING_KEYS.slice(2), 'adv-secret', 'c00kie', 'transaction_id']) {
    assert.ok(!JSON.stringify(cgi).includes(secret), `${secret} is not on the command line`);
  }
  assert.deepEqual(command, ['run', path.join(functionsDir, 'config.wasm'), 'validate'], 'no /kv, no keys for a validation');
});

test('wasmtime engine: missing binary, unusable EDGEPOST_WASMTIME and missing modules fail at startup', async (t) => {
  const { functionsDir, kvDir } = setup(t);
  assert.throws(() => findWasmtime({ PATH: '/nonexistent' }), /no wasmtime executable on PATH; install it, set EDGEPOST_WASMTIME to its path, or use --engine node/);
  assert.throws(() => findWasmtime({ EDGEPOST_WASMTIME: FIXTURE_WASM }), /EDGEPOST_WASMTIME=.*env-echo\.wasm is not an executable file/);
  assert.equal(findWasmtime({ EDGEPOST_WASMTIME: FAKE_WASMTIME, PATH: '' }), FAKE_WASMTIME);
  await assert.rejects(
    createEngine({ kind: 'wasmtime', functionsDir, kvDir, functions: ['postback'], wasmtime: FAKE_WASMTIME }),
    /postback\.wasm is missing: build the WASI functions first/,
  );
  await assert.rejects(createEngine({ kind: 'node', functionsDir, kvDir, functions: ['postback'] }), /postback\.wasm is missing/);
  await assert.rejects(createEngine({ kind: 'v8', functionsDir, kvDir, functions: [] }), /unknown engine "v8"/);
});

test('wasmtime engine: a run that does not finish is killed after the timeout', async (t) => {
  const { root, functionsDir, kvDir } = setup(t);
  const sleeper = path.join(root, 'sleeping-wasmtime');
  fs.writeFileSync(sleeper, '#!/bin/sh\n[ "$1" = --version ] && { echo slow; exit 0; }\nexec sleep 30\n', { mode: 0o755 });
  const engine = await createEngine({ kind: 'wasmtime', functionsDir, kvDir, functions: ['click'], wasmtime: sleeper, timeoutMs: 300 });
  await assert.rejects(engine.cgi('click', { method: 'GET', path: '/click' }), /click: wasmtime did not finish within 300 ms \(killed\)/);
});
