// cli.mjs: argument parsing, and the real program run as a child process (with the test
// fixture standing in for click.wasm and postback.wasm).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { HELP, parseCommandLine } from '../src/cli-args.mjs';
import { KvDir, nowSeconds } from '../src/kv-dir.mjs';
import { FAKE_WASMTIME, FIXTURE_WASM, request, run, serve, tempDir, waitFor } from './helpers.mjs';

const KEYS = `3:${'cd'.repeat(32)}`;

test('serve defaults', () => {
  const options = parseCommandLine(['serve']);
  assert.equal(options.command, 'serve');
  assert.equal(options.host, '127.0.0.1');
  assert.equal(options.port, 8080);
  assert.equal(options.engine, 'node');
  assert.match(options.dataDir, /local-runner\/data$/);
  assert.match(options.functionsDir, /build\/wasi\/functions$/);
  assert.equal(options.configFile, null);
  assert.equal(options.allowPrivateTargets, false);
  assert.deepEqual(options.outbox, { intervalMs: 1000, rescanMs: 600000, baseDelayMs: 30000, maxAttempts: 8, timeoutMs: 5000 });
  assert.equal(options.sweepIntervalMs, 60000);
  assert.equal(options.threads, Math.min(32, 4 * os.availableParallelism()), 'four WASI threads per core');
});

test('serve options are read and checked', () => {
  const options = parseCommandLine(['serve', '--host', '0.0.0.0', '--port', '0', '--data', '/tmp/d', '--config', 'c.json',
    '--functions', '/f', '--engine', 'wasmtime', '--allow-private-targets', '--outbox-interval-ms', '50', '--outbox-rescan-ms', '2000',
    '--outbox-base-delay-ms', '100', '--outbox-max-attempts', '3', '--outbox-timeout-ms', '700', '--sweep-interval-ms', '1000']);
  assert.equal(options.port, 0);
  assert.equal(options.configFile, path.resolve('c.json'));
  assert.equal(options.functionsDir, '/f');
  assert.equal(options.engine, 'wasmtime');
  assert.equal(options.allowPrivateTargets, true);
  assert.deepEqual(options.outbox, { intervalMs: 50, rescanMs: 2000, baseDelayMs: 100, maxAttempts: 3, timeoutMs: 700 });
  assert.equal(parseCommandLine(['serve', '--demo']).allowPrivateTargets, true, 'the demo delivers to itself');
  assert.equal(parseCommandLine(['serve', '--threads', '0']).threads, 0, 'on the main thread');
  assert.equal(parseCommandLine(['serve', '--threads', '16']).threads, 16);
});

test('usage errors name the problem', () => {
  const cases = [
    [['serve', '--port', '70000'], /--port must be an integer from 0 to 65535, not "70000"/],
    [['serve', '--outbox-max-attempts', '0'], /--outbox-max-attempts must be an integer from 1/],
    [['serve', '--threads', 'many'], /--threads must be an integer from 0 to 256, not "many"/],
    [['serve', '--engine', 'v8'], /--engine must be one of node, wasmtime, wasmtime-engine, jco, not "v8"/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['serve', '--demo', '--config', 'x.json'], /--demo loads demo\/config.json: leave out --config/],
    [['serve', 'extra'], /serve takes no arguments/],
    [['config'], /config needs an action: validate or load/],
    [['config', 'validate'], /config validate needs exactly one FILE/],
    [['outbox', 'list', '--state', 'gone'], /--state must be pending, delivered or dead/],
    [['outbox', 'replay'], /outbox replay needs IDs or --all-dead/],
    [['outbox', 'replay', 'a', '--all-dead'], /give IDs or --all-dead, not both/],
    [['launch'], /unknown command "launch"/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseCommandLine(argv), message, argv.join(' '));
});

test('config and outbox commands', () => {
  assert.deepEqual(parseCommandLine(['config', 'load', 'c.json', '--data', '/d']), {
    command: 'config', action: 'load', file: path.resolve('c.json'), dataDir: '/d',
    functionsDir: parseCommandLine(['serve']).functionsDir, engine: 'node',
  });
  assert.deepEqual(parseCommandLine(['outbox', 'list', '--data', '/d', '--state', 'dead']), { command: 'outbox', action: 'list', dataDir: '/d', state: 'dead' });
  assert.deepEqual(parseCommandLine(['outbox', 'replay', '--data', '/d', 'a', 'b']), { command: 'outbox', action: 'replay', dataDir: '/d', ids: ['a', 'b'], allDead: false });
  assert.equal(parseCommandLine(['outbox', 'replay', '--all-dead']).allDead, true);
  assert.equal(parseCommandLine(['--help']).command, 'help');
  assert.equal(parseCommandLine([]).command, 'help');
  assert.equal(parseCommandLine(['serve', '--help']).command, 'help');
});

test('--help documents every command and option', () => {
  for (const word of ['serve', 'config validate', 'config load', 'outbox list', 'outbox replay', '--host', '--port', '--data',
    '--config', '--functions', '--engine', '--allow-private-targets', '--outbox-interval-ms', '--outbox-rescan-ms', '--outbox-base-delay-ms',
    '--outbox-max-attempts', '--outbox-timeout-ms', '--sweep-interval-ms', '--demo', '--state', '--all-dead',
    'EDGEPOST_SIGNING_KEYS', 'EDGEPOST_SIGNING_KEY_ID', 'EDGEPOST_WASMTIME', '/aff_c', '/aff_lsr', '/healthz']) {
    assert.ok(HELP.includes(word), word);
  }
});

// ---- the program itself ----

function functionsDir(t) {
  const dir = tempDir(t, 'edgepost-functions-');
  for (const name of ['click', 'postback', 'partner-target', 'config']) fs.copyFileSync(FIXTURE_WASM, path.join(dir, `${name}.wasm`));
  return dir;
}

function childrenOf(pid) {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === pid ? [fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')] : [];
    } catch {
      return [];
    }
  });
}

test('cli --help and a usage error', async (t) => {
  const help = run(t, ['--help']);
  assert.deepEqual(await help.exited, { code: 0, signal: null });
  assert.equal(help.output.stdout, HELP);
  const wrong = run(t, ['serve', '--port', 'x']);
  assert.equal((await wrong.exited).code, 2);
  assert.match(wrong.output.stderr, /^edgepost: --port must be an integer from 0 to 65535, not "x"\nRun with --help for usage\.\n$/);
});

test('cli serve: re-executes with the node:wasi flag, generates and keeps a signing key, serves, stops on SIGTERM', async (t) => {
  const data = tempDir(t);
  const functions = functionsDir(t);
  const first = await serve(t, ['--data', data, '--functions', functions]);

  const [child] = childrenOf(first.child.pid);
  assert.ok(child.includes('--no-turbo-fast-api-calls'), `child command line: ${child}`);
  assert.equal(first.child.spawnargs.includes('--no-turbo-fast-api-calls'), false);

  const keyFile = path.join(data, 'signing-key');
  assert.match(first.output.stdout, new RegExp(`generated key 1 and saved it in ${keyFile} \\(mode 600\\)`));
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  const key = fs.readFileSync(keyFile, 'utf8');
  assert.match(key, /^1:[0-9a-f]{64}\n$/);

  const response = await request(`${first.origin}/click?offer_id=1&security_token=x`, { headers: { 'X-Forwarded-For': '6.6.6.6' } });
  assert.equal(response.status, 200);
  assert.match(response.body, /^env=REMOTE_ADDR=127\.0\.0\.1$/m);
  assert.match(response.body, new RegExp(`^env=EDGEPOST_SIGNING_KEYS=${key.trim()}$`, 'm'));
  await waitFor(() => first.output.stdout.includes('GET /click?offer_id=1&security_token=REDACTED 200'), { what: 'access log line' });
  assert.equal(fs.readFileSync(path.join(data, 'events.log'), 'utf8'), '{"type":"fixture","ok":true}\n');

  first.child.kill('SIGTERM');
  assert.deepEqual(await first.exited, { code: 0, signal: null });
  assert.match(first.output.stdout, /SIGTERM: stopping[^\n]*\nedgepost runner stopped\n$/);

  const second = await serve(t, ['--data', data, '--functions', functions]);
  assert.match(second.output.stdout, new RegExp(`using key 1 from ${keyFile}`));
  assert.equal(fs.readFileSync(keyFile, 'utf8'), key, 'the key survives restarts');
  second.child.kill('SIGINT');
  assert.equal((await second.exited).code, 0);
});

test('cli serve: keys from the environment are used as given, and bad ones refused', async (t) => {
  const data = tempDir(t);
  const functions = functionsDir(t);
  const good = await serve(t, ['--data', data, '--functions', functions], { EDGEPOST_SIGNING_KEYS: KEYS, EDGEPOST_SIGNING_KEY_ID: '3' });
  assert.match(good.output.stdout, /signing keys: from the environment \(key ids 3; minting with 3\)/);
  assert.equal(fs.existsSync(path.join(data, 'signing-key')), false);
  assert.match((await request(`${good.origin}/click`)).body, /^env=EDGEPOST_SIGNING_KEY_ID=3$/m);
  good.child.kill('SIGTERM');
  await good.exited;

  const bad = run(t, ['serve', '--port', '0', '--data', data, '--functions', functions], { EDGEPOST_SIGNING_KEYS: '3:abcd' });
  assert.equal((await bad.exited).code, 1);
  assert.match(bad.output.stderr, /EDGEPOST_SIGNING_KEYS: the secret of key 3 must be at least 32 bytes/);
});

test('cli serve: missing functions are a clear startup error', async (t) => {
  const program = run(t, ['serve', '--port', '0', '--data', tempDir(t), '--functions', tempDir(t)]);
  assert.equal((await program.exited).code, 1);
  assert.match(program.output.stderr, /click\.wasm is missing: build the WASI functions first \(cmake --workflow --preset wasi\)/);
});

test('cli serve --engine wasmtime runs each request through the wasmtime command line', async (t) => {
  const functions = functionsDir(t);
  const missing = run(t, ['serve', '--port', '0', '--data', tempDir(t), '--functions', functions, '--engine', 'wasmtime'], { PATH: '/nonexistent', EDGEPOST_WASMTIME: '' });
  assert.equal((await missing.exited).code, 1);
  assert.match(missing.output.stderr, /--engine wasmtime: no wasmtime executable on PATH/);

  const program = await serve(t, ['--data', tempDir(t), '--functions', functions, '--engine', 'wasmtime'], { EDGEPOST_WASMTIME: FAKE_WASMTIME });
  assert.match(program.output.stdout, /engine wasmtime: wasmtime 0\.0\.0-fake/);
  const response = await request(`${program.origin}/postback?a=1`, { method: 'POST', body: 'amount=2' });
  assert.equal(response.status, 200);
  assert.match(response.body, /^arg=.*postback\.wasm$/m);
  assert.match(response.body, /^env=REQUEST_METHOD=POST$/m);
  assert.match(response.body, /^stdin=amount=2$/m);
  program.child.kill('SIGTERM');
  assert.equal((await program.exited).code, 0);
});

test('cli config validate: a config.wasm that breaks its contract is reported, exit 1', async (t) => {
  const file = path.join(tempDir(t), 'config.json');
  fs.writeFileSync(file, '{}');
  const program = run(t, ['config', 'validate', file, '--functions', functionsDir(t)]);
  assert.equal((await program.exited).code, 1);
  // The fixture echoes its input instead of a JSON result.
  assert.match(program.output.stderr, /^edgepost: config\.wasm validate printed no JSON result \(exit code 0\); stdout: "Status: 200 OK.*env=EDGEPOST_CONFIG_ACTION=validate/);
  const missing = run(t, ['config', 'validate', path.join(tempDir(t), 'nope.json'), '--functions', functionsDir(t)]);
  assert.equal((await missing.exited).code, 1);
  assert.match(missing.output.stderr, /cannot read config file .*nope\.json: no such file/);
});

test('cli outbox list and replay', async (t) => {
  const data = tempDir(t);
  const kv = new KvDir(path.join(data, 'kv')).ensure();
  await kv.writeReplace('outbox/c1-7', JSON.stringify({ id: 'c1-7', aff_id: 7, url: 'http://a.example/1', created: nowSeconds() }));
  await kv.writeReplace('outbox/c2-7', JSON.stringify({ id: 'c2-7', aff_id: 7, url: 'http://a.example/2', state: 'dead', attempts: 8, last_error: 'HTTP 500' }));
  await kv.writeReplace('outbox/c3-8', JSON.stringify({ id: 'c3-8', aff_id: 8, url: 'http://b.example/3', state: 'delivered', attempts: 1 }));

  const list = run(t, ['outbox', 'list', '--data', data]);
  assert.equal((await list.exited).code, 0);
  assert.equal(list.output.stdout, 'c1-7\tpending\t0\thttp://a.example/1\nc2-7\tdead\t8\thttp://a.example/2\nc3-8\tdelivered\t1\thttp://b.example/3\n');
  const dead = run(t, ['outbox', 'list', '--data', data, '--state', 'dead']);
  await dead.exited;
  assert.equal(dead.output.stdout, 'c2-7\tdead\t8\thttp://a.example/2\n');

  const wrong = run(t, ['outbox', 'replay', '--data', data, 'c3-8', 'c9-9']);
  assert.equal((await wrong.exited).code, 1);
  assert.match(wrong.output.stderr, /outbox entry c3-8 is delivered, not dead: nothing to replay\n.*no outbox entry c9-9/);

  const all = run(t, ['outbox', 'replay', '--data', data, '--all-dead']);
  assert.equal((await all.exited).code, 0);
  assert.equal(all.output.stdout, 'c2-7: dead -> pending\nreplayed 1 dead entry\n');
  const replayed = JSON.parse(await kv.readText('outbox/c2-7'));
  assert.equal(replayed.state, 'pending');
  assert.equal(replayed.attempts, 0);
  assert.ok(Math.abs(replayed.next_attempt_at - Date.now() / 1000) < 5);

  const noData = run(t, ['outbox', 'list', '--data', path.join(data, 'nothing')]);
  assert.equal((await noData.exited).code, 1);
  assert.match(noData.output.stderr, /kv does not exist: is .* a data directory\?/);
});

test('--trusted-proxy is repeatable, checked, and none by default', () => {
  assert.deepEqual(parseCommandLine(['serve']).trustedProxies, []);
  assert.deepEqual(parseCommandLine(['serve', '--trusted-proxy', '10.0.0.0/8', '--trusted-proxy', '::1']).trustedProxies,
    ['10.0.0.0/8', '::1']);
  assert.throws(() => parseCommandLine(['serve', '--trusted-proxy', '10.0.0.0/33']), /--trusted-proxy: "10.0.0.0\/33": the prefix length must be 0 to 32/);
  assert.throws(() => parseCommandLine(['serve', '--trusted-proxy', 'proxy.example']), /--trusted-proxy: "proxy.example" is not an IP address/);
  assert.ok(HELP.includes('--trusted-proxy CIDR'));
});
