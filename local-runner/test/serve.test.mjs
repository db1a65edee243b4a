// startRunner (what `cli.mjs serve` runs) with fake functions written in JS: config loading and
// refusal, the demo's whole loop (click -> landing page -> postback -> partner postback),
// the TTL sweep, and the orderly stop.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { parseCommandLine } from '../src/cli-args.mjs';
import { postbackCommand, TID_PLACEHOLDER } from '../src/demo.mjs';
import { encodeKey, KvDir, nowSeconds } from '../src/kv-dir.mjs';
import { startRunner, StartupError } from '../src/serve.mjs';
import { request, tempDir, waitFor } from './helpers.mjs';

const KEYS = { EDGEPOST_SIGNING_KEYS: `1:${'ab'.repeat(32)}`, EDGEPOST_SIGNING_KEY_ID: '1' };

// Renders {macro} the simple way; the real functions do this in C++.
const render = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name.toLowerCase()] ?? ''));

// Click and postback functions in JS that do just enough of the real ones' job.
// clickExpiresAt: the click also stores click/<tid> expiring then, and says so (host-lines.mjs).
function fakeFunctions({ clickDelayMs = 0, configResult, clickExpiresAt = 0 } = {}) {
  const fake = { config: null, commands: [], options: null };
  fake.create = async (options) => {
    fake.options = options;
    const kv = new KvDir(options.kvDir);
    return {
      description: 'fake functions',
      async command(name, { env, stdin, kv: withKv }) {
        fake.commands.push({ name, env, withKv });
        if (configResult) return configResult;
        fake.config = JSON.parse(stdin);
        return { exitCode: 0, stdout: '{"ok":true,"records":9}\n', stderr: '' };
      },
      async cgi(name, req) {
        const params = new URLSearchParams(req.query);
        if (name === 'click') {
          await new Promise((resolve) => setTimeout(resolve, clickDelayMs));
          const offer = fake.config.offers.find((o) => o.id === Number(params.get('offer_id')));
          const values = { transaction_id: `tid-${params.get('aff_id')}`, offer_id: offer.id, aff_id: params.get('aff_id'), aff_sub: params.get('aff_sub') };
          const expiring = [];
          if (clickExpiresAt) {
            await kv.writeReplace(`click/${values.transaction_id}`, 'x', { expiresAt: clickExpiresAt });
            expiring.push({ name: encodeKey(`click/${values.transaction_id}`), expiresAt: clickExpiresAt });
          }
          return { status: 302, headers: [['location', render(offer.url, values)]], body: '', exitCode: 0, stderr: '{"type":"click"}\n', expiring };
        }
        const affiliate = fake.config.affiliates.find((a) => `tid-${a.id}` === params.get('transaction_id'));
        const url = render(affiliate.postback_url, { transaction_id: params.get('transaction_id'), goal: 'sale', payout: '8.00', currency: 'USD', status: 'approved', conversion_id: 'conv1' });
        await kv.writeIfAbsent(`outbox/conv1-${affiliate.id}`, JSON.stringify({ id: `conv1-${affiliate.id}`, aff_id: affiliate.id, url, created: nowSeconds() }));
        return { status: 200, headers: [['content-type', 'application/json']], body: '{"status":"approved"}', exitCode: 0, stderr: '{"type":"conversion"}\n',
          enqueued: [`conv1-${affiliate.id}`] };
      },
    };
  };
  return fake;
}

async function start(t, args, fake) {
  const data = tempDir(t);
  const options = parseCommandLine(['serve', '--port', '0', '--data', data, '--outbox-interval-ms', '20', ...args]);
  const out = [];
  const err = [];
  const runner = await startRunner(options, { out: (l) => out.push(l), err: (l) => err.push(l), env: KEYS, createEngine: fake.create });
  t.after(() => runner.close());
  return { runner, out, err, data };
}

test('an invalid config stops the start with every problem, and frees the port', async (t) => {
  const fake = fakeFunctions({
    configResult: { exitCode: 1, stdout: '{"ok":false,"errors":["offers[2].goals[0].payout.percent: must be between 0 and 100","affiliates[0].id: is required"]}', stderr: '' },
  });
  const configFile = path.join(tempDir(t), 'config.json');
  fs.writeFileSync(configFile, '{"offers": []}');
  const data = tempDir(t);
  const options = parseCommandLine(['serve', '--port', '0', '--data', data, '--config', configFile]);
  const error = await startRunner(options, { out: () => {}, err: () => {}, env: KEYS, createEngine: fake.create }).catch((e) => e);
  assert.ok(error instanceof StartupError);
  assert.equal(error.message, `refusing to start: config ${configFile} is invalid`);
  assert.deepEqual(error.lines, [
    `config ${configFile}: invalid, 2 problems:`,
    '  offers[2].goals[0].payout.percent: must be between 0 and 100',
    '  affiliates[0].id: is required',
  ]);
  assert.deepEqual(fake.commands, [{ name: 'config', env: { EDGEPOST_CONFIG_ACTION: 'load' }, withKv: true }]);
  assert.deepEqual(fake.options.functions, ['click', 'postback', 'partner-target', 'config']);
});

test('a valid config is loaded before the runner says it is ready', async (t) => {
  const fake = fakeFunctions();
  const configFile = path.join(tempDir(t), 'config.json');
  fs.writeFileSync(configFile, '{"advertisers":[],"affiliates":[],"offers":[]}');
  const { out } = await start(t, ['--config', configFile], fake);
  assert.deepEqual(fake.config, { advertisers: [], affiliates: [], offers: [] });
  const loaded = out.findIndex((l) => l.startsWith(`config ${configFile}: loaded 9 records`));
  const ready = out.findIndex((l) => l.startsWith('edgepost runner listening on http://127.0.0.1:'));
  assert.ok(loaded >= 0 && ready > loaded, out.join('\n'));
  // The functions are told that this host keeps the ledger log (wasm/wasi/commands.cpp).
  assert.deepEqual(fake.options.secrets, { ...KEYS, EDGEPOST_LEDGER_LOG: '1' });
});

test('demo: click -> landing page -> postback -> partner postback back to this runner', async (t) => {
  const fake = fakeFunctions();
  const { runner, out, data } = await start(t, ['--demo'], fake);
  const { origin } = runner;
  assert.ok(!JSON.stringify(fake.config).includes('127.0.0.1:8080'), 'the demo config names the actual port');
  assert.ok(out.includes(`       ${origin}/click?offer_id=100&aff_id=7&aff_sub=demo`), out.join('\n'));
  assert.ok(out.some((l) => l.includes(`curl -s '${origin}/postback?transaction_id=${TID_PLACEHOLDER}&adv_sub=order-sale-1&security_token=demo-shop-token-0123456789'`)), out.join('\n'));
  assert.ok(out.includes('outbox: private and loopback targets are allowed'));

  const click = await request(`${origin}/click?offer_id=100&aff_id=7&aff_sub=demo`);
  assert.equal(click.status, 302);
  assert.equal(click.headers.location, `${origin}/demo/landing?offer=100&aff=7&tid=tid-7&sub=demo`);

  const landing = await request(click.headers.location);
  assert.equal(landing.status, 200);
  assert.match(landing.headers['content-type'], /^text\/html/);
  assert.match(landing.body, /<code id="transaction-id">tid-7<\/code>/);
  assert.ok(landing.body.includes(`curl -s &#39;${origin}/postback?transaction_id=tid-7&amp;adv_sub=order-sale-1&amp;security_token=demo-shop-token-0123456789&#39;`));

  const postback = await request(`${origin}/postback?transaction_id=tid-7&security_token=demo-shop-token-0123456789`);
  assert.equal(postback.status, 200);
  const received = await waitFor(() => out.find((l) => l.startsWith('partner postback received: affiliate 7: ')), { what: 'the partner postback' });
  assert.match(received, /tx=tid-7&goal=sale&payout=8\.00&currency=USD&status=approved&conversion=conv1/);
  await waitFor(() => out.some((l) => l.startsWith('outbox: delivered partner postback conv1-7 (affiliate 7): HTTP 200')), { what: 'delivery line' });

  await runner.close();
  const events = fs.readFileSync(path.join(data, 'events.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => e.type), ['click', 'conversion', 'partner_postback']);
  assert.equal(events[2].outcome, 'delivered');
  const partnerLog = JSON.parse(fs.readFileSync(path.join(data, 'demo-partner-postbacks.log'), 'utf8'));
  assert.equal(partnerLog.affiliate, 7);
  assert.equal(partnerLog.query.tx, 'tid-7');
});

test('demo pages: index with links, landing without parameters, HTML escaped, GET only', async (t) => {
  const { runner } = await start(t, ['--demo'], fakeFunctions());
  const index = await request(`${runner.origin}/demo`);
  assert.match(index.body, new RegExp(`href="${runner.origin}/click\\?offer_id=400&amp;aff_id=9&amp;aff_sub=demo"`));
  assert.doesNotMatch(index.body, /offer_id=300&amp;aff_id=9/, 'offer 300 only allows affiliates 7 and 8');
  const bare = await request(`${runner.origin}/demo/landing`);
  assert.match(bare.body, /expects <code>offer<\/code> and <code>tid<\/code>/);
  const hostile = await request(`${runner.origin}/demo/landing?offer=400&tid=%3Cscript%3Ex%27&sub=%3Cb%3E`);
  assert.doesNotMatch(hostile.body, /<script>/);
  assert.match(hostile.body, /aff_sub &lt;b&gt;/);
  assert.match(hostile.body, /transaction_id=%3Cscript%3Ex%27&amp;goal=purchase&amp;amount=49\.90/, 'the command is shell-safe');
  assert.equal((await request(`${runner.origin}/demo/partner/7`, { method: 'POST' })).status, 405);
  assert.equal((await request(`${runner.origin}/demo/other`)).status, 404);
});

test('without --demo there are no demo pages and private targets stay refused', async (t) => {
  const { runner, err } = await start(t, [], fakeFunctions());
  assert.equal((await request(`${runner.origin}/demo`)).status, 404);
  assert.ok(err.some((l) => l.includes('holds no config records')));
  assert.equal(runner.outbox.options.allowPrivateTargets, false);
});

test('postbackCommand adds goal and amount where the offer needs them', () => {
  const config = JSON.parse(fs.readFileSync(new URL('../demo/config.json', import.meta.url), 'utf8'));
  assert.equal(postbackCommand('http://h:1', config, 200, 'T'), "curl -s 'http://h:1/postback?transaction_id=T&amount=49.90&adv_sub=order-sale-1&security_token=demo-shop-token-0123456789'");
  assert.equal(postbackCommand('http://h:1', config, 400, 'T', 'install'), "curl -s 'http://h:1/postback?transaction_id=T&goal=install&adv_sub=order-install-1'");
});

test('the sweep: a full walk at the first start, then only what the expiry index names, and no walk after an orderly stop', async (t) => {
  const fake = fakeFunctions({ clickExpiresAt: nowSeconds() - 700 });  // a bucket that has passed
  const data = tempDir(t);
  const kv = new KvDir(path.join(data, 'kv')).ensure();
  await kv.writeReplace('click/old', 'x', { expiresAt: nowSeconds() - 10 });
  const startOnce = async () => {
    const options = parseCommandLine(['serve', '--port', '0', '--data', data, '--sweep-interval-ms', '50', '--demo']);
    const out = [];
    const runner = await startRunner(options, { out: (l) => out.push(l), err: () => {}, env: KEYS, createEngine: fake.create });
    t.after(() => runner.close());
    return { runner, out };
  };
  const first = await startOnce();
  await waitFor(() => first.out.includes('sweep: deleted 1 expired records and 0 leftover temporary files (full walk)'), { what: 'the walk at start' });
  assert.equal(await kv.readText('click/old'), null);
  assert.deepEqual((await kv.list('click/')), []);

  // Unannounced, so only a walk finds it: the interval sweeps do not.
  await kv.writeReplace('click/unannounced', 'x', { expiresAt: nowSeconds() - 700 });
  assert.equal((await request(`${first.runner.origin}/click?offer_id=100&aff_id=7`)).status, 302);
  await waitFor(() => first.out.some((l) => l.startsWith('sweep: deleted 1 expired records (expiry index, 1 buckets)')), { what: 'the indexed sweep' });
  assert.deepEqual(await kv.list('click/'), ['click/unannounced']);
  await first.runner.close();
  assert.ok(fs.existsSync(path.join(data, 'expiry', 'clean')), 'an orderly stop marks the index complete');

  const second = await startOnce();
  await new Promise((resolve) => setTimeout(resolve, 300));  // six sweeps
  assert.deepEqual(await kv.list('click/'), ['click/unannounced'], 'after an orderly stop, no walk');
  assert.ok(!second.out.some((l) => l.includes('full walk')), second.out.join('\n'));
  await second.runner.close();

  fs.rmSync(path.join(data, 'expiry', 'clean'));  // as a kill leaves it
  const third = await startOnce();
  await waitFor(async () => (await kv.list('click/')).length === 0, { what: 'the walk after a kill' });
  await third.runner.close();
});

test('close() lets the request under way finish, then stops accepting, without waiting for keep-alive', async (t) => {
  const { runner } = await start(t, ['--demo'], fakeFunctions({ clickDelayMs: 300 }));
  const port = runner.port;
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const inFlight = new Promise((resolve, reject) => {
    http.get(`${runner.origin}/click?offer_id=100&aff_id=7`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  const closed = runner.close();
  assert.equal(await inFlight, 302, 'the request under way was answered');
  await closed;
  assert.ok(Date.now() - started < 2000, `stopped after ${Date.now() - started} ms, not after the keep-alive timeout`);
  const refused = await new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.destroy(); resolve(false); });
    socket.on('error', (error) => resolve(error.code === 'ECONNREFUSED'));
  });
  assert.ok(refused, 'no new connections after close');
});

test('the admin token reaches the functions as a secret, and a short one stops the start', async (t) => {
  const data = tempDir(t);
  const options = parseCommandLine(['serve', '--port', '0', '--data', data]);
  const short = fakeFunctions({});
  const error = await startRunner(options, { out: () => {}, err: () => {}, env: { ...KEYS, EDGEPOST_ADMIN_TOKEN: 'too-short' }, createEngine: short.create })
    .catch((e) => e);
  assert.ok(error instanceof StartupError);
  assert.equal(error.message, 'EDGEPOST_ADMIN_TOKEN must be at least 16 bytes');

  const fake = fakeFunctions({});
  const token = 'an-admin-token-of-some-length';
  const runner = await startRunner(options, { out: () => {}, err: () => {}, env: { ...KEYS, EDGEPOST_ADMIN_TOKEN: token }, createEngine: fake.create });
  t.after(() => runner.close());
  assert.equal(fake.options.secrets.EDGEPOST_ADMIN_TOKEN, token);
  assert.equal(fake.options.secrets.EDGEPOST_SIGNING_KEY_ID, '1');
});
