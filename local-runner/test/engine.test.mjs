// Every engine runs the same module the same way. node, wasmtime-engine (wizer) and jco are the
// real WASI hosts, installed by the bootstrap; the wasmtime CLI cannot be installed here, so the
// wasmtime engine runs against test/fake-wasmtime.mjs, which accepts only the command line the
// runner is meant to build and records it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine, ENGINES } from '../src/engine.mjs';
import { engineCacheDir } from '../src/engine-cache.mjs';
import { findWasmtime } from '../src/wasmtime-cli-engine.mjs';
import { FAKE_WASMTIME, FIXTURE_WASM, tempDir } from './helpers.mjs';

const TRAP_WASM = new URL('./fixtures/trap.wasm', import.meta.url);

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

// What each engine adds to a guest's environment beyond the run's variables: wizer passes its
// whole environment on, which holds HOME for wasmtime's compiled-code cache.
const ENGINE_VARIABLES = { 'wasmtime-engine': [`HOME=${engineCacheDir('wasmtime-home')}`] };
// wizer gives a module no arguments at all, not even a program name.
const PASSES_ARGUMENTS = (kind) => kind !== 'wasmtime-engine';

// Every engine, and the node engine on worker threads as `serve` runs it.
const VARIANTS = [...ENGINES.map((kind) => ({ kind, label: kind, extra: {} })),
  { kind: 'node', label: 'node (2 threads)', extra: { threads: 2 } }];
for (const { kind, label, extra } of VARIANTS) {
  test(`${label} engine: a CGI run gets the request, the secrets and /kv; the response is parsed`, async (t) => {
    const { functionsDir, kvDir } = setup(t);
    const engine = await createEngine({ kind, ...extra, functionsDir, kvDir, secrets: SECRETS, functions: ['click'], wasmtime: FAKE_WASMTIME });
    t.after(() => engine.close());
    assert.equal(engine.kind, kind);
    const response = await engine.cgi('click', REQUEST);
    assert.equal(response.exitCode, 0);
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers, [['content-type', 'text/plain']]);
    const env = lines(response.body, 'env=');
    const expected = [
      'GATEWAY_INTERFACE=CGI/1.1', 'SERVER_PROTOCOL=HTTP/1.1',
      'REQUEST_METHOD=POST', 'PATH_INFO=/postback', 'QUERY_STRING=transaction_id=abc&amount=1.50',
      'REMOTE_ADDR=203.0.113.9', 'CONTENT_LENGTH=9', 'CONTENT_TYPE=application/x-www-form-urlencoded',
      'HTTP_USER_AGENT=test agent', `EDGEPOST_SIGNING_KEYS=${SECRETS.EDGEPOST_SIGNING_KEYS}`, 'EDGEPOST_SIGNING_KEY_ID=1',
      ...(ENGINE_VARIABLES[kind] ?? []),
    ];
    assert.deepEqual([...env].sort(), [...expected].sort(), 'exactly the request, the secrets and nothing of the host');
    assert.deepEqual(lines(response.body, 'stdin='), ['goal=sale']);
    assert.equal(response.stderr, '{"type":"fixture","ok":true}\nplain stderr line\n');
  });

  test(`${label} engine: a command gets its variables and stdin, /kv only when asked, and its exit code`, async (t) => {
    const { functionsDir, kvDir } = setup(t);
    const engine = await createEngine({ kind, ...extra, functionsDir, kvDir, functions: ['config'], wasmtime: FAKE_WASMTIME });
    t.after(() => engine.close());
    const plain = await engine.command('config', { env: { EDGEPOST_CONFIG_ACTION: 'validate' }, stdin: '{"offers":[]}' });
    assert.equal(plain.exitCode, 0);
    assert.ok(lines(plain.stdout, 'env=').includes('EDGEPOST_CONFIG_ACTION=validate'));
    assert.deepEqual(lines(plain.stdout, 'stdin='), ['{"offers":[]}']);
    if (!PASSES_ARGUMENTS(kind)) {
      await assert.rejects(engine.command('config', { args: ['validate'] }), /config: wasmtime's engine inside wizer cannot pass arguments to a module/);
      return;
    }
    const run = await engine.command('config', { args: ['written-by-wasm'], stdin: '{"offers":[]}', kv: true });
    assert.equal(run.exitCode, 1, 'the fixture exits with its argument count');
    assert.deepEqual(lines(run.stdout, 'arg=').slice(1), ['written-by-wasm']);
    assert.equal(fs.readFileSync(path.join(kvDir, 'written-by-wasm'), 'utf8'), '{"offers":[]}');

    const noKv = await engine.command('config', { args: ['nowhere'], stdin: 'x' });
    assert.equal(noKv.exitCode, kind === 'jco' ? 1 : 70, 'without kv: true there is no preopened directory to write to '
      + '(jco: preview2 reports only success or failure)');
  });

  // (The wasmtime CLI's stand-in runs node:wasi: its traps are node's.)
  if (kind !== 'wasmtime') test(`${label} engine: a trap is an error carrying the guest's stderr, not a response`, async (t) => {
    const { functionsDir, kvDir } = setup(t);
    fs.copyFileSync(TRAP_WASM, path.join(functionsDir, 'click.wasm'));
    const engine = await createEngine({ kind, ...extra, functionsDir, kvDir, functions: ['click'] });
    t.after(() => engine.close());
    const error = await engine.cgi('click', { method: 'GET', path: '/click' }).then(() => null, (e) => e);
    assert.ok(error instanceof Error, 'a trap is thrown');
    assert.match(error.message, /unreachable/);
    assert.equal(error.stderr, 'before the trap\n');
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
  await engine.command('config', { env: { EDGEPOST_CONFIG_ACTION: 'validate' }, stdin: '{}' });

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
  assert.deepEqual(command, ['run', '--env', 'EDGEPOST_CONFIG_ACTION', path.join(functionsDir, 'config.wasm')], 'no /kv, no keys for a validation');
});

test('wasmtime-engine and jco engines: the request and the secrets are never on the child\'s command line', async (t) => {
  const { functionsDir, kvDir } = setup(t);
  fs.copyFileSync(FIXTURE_WASM, path.join(functionsDir, 'postback.wasm'));
  for (const kind of ['wasmtime-engine', 'jco']) {
    const engine = await createEngine({ kind, functionsDir, kvDir, secrets: SECRETS, functions: ['postback'] });
    const argv = engine.commandLine('postback', { kv: true });
    const request = { method: 'GET', path: '/postback', query: 'transaction_id=t&security_token=adv-secret', headers: { cookie: 'session=c00kie' } };
    const response = await engine.cgi('postback', request);
    assert.ok(lines(response.body, 'env=').includes('QUERY_STRING=transaction_id=t&security_token=adv-secret'), `${kind}: the function still gets it`);
    for (const secret of [SECRETS.EDGEPOST_SIGNING_KEYS.slice(2), 'adv-secret', 'c00kie', 'transaction_id']) {
      assert.ok(!JSON.stringify(argv).includes(secret), `${kind}: ${secret} is not on the command line ${JSON.stringify(argv)}`);
    }
    assert.ok(argv.includes(kind === 'jco' ? kvDir : `/kv::${kvDir}`), `${kind}: /kv is given as ${JSON.stringify(argv)}`);
  }
});

test('wasmtime engine: missing binary, unusable EDGEPOST_WASMTIME and missing modules fail at startup', async (t) => {
  const { functionsDir, kvDir } = setup(t);
  assert.throws(() => findWasmtime({ PATH: '/nonexistent' }), /no wasmtime executable on PATH; install it, set EDGEPOST_WASMTIME to its path, or use --engine wasmtime-engine/);
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
