import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeRecord, KvDir, nowSeconds } from '../src/kv-dir.mjs';
import { OutboxDispatcher, retryDelayMs } from '../src/outbox.mjs';
import { listEntries, replayEntry } from '../src/outbox-operator.mjs';
import { wakeDirOf } from '../src/outbox-wake.mjs';
import { deliver } from '../src/deliver.mjs';
import { startStub, tempDir, waitFor } from './helpers.mjs';
import { partnerTargetJudge } from '../../tests/e2e/functions.mjs';

function setup(t) {
  return new KvDir(path.join(tempDir(t), 'kv')).ensure();
}

// What postback.wasm writes: the record without any delivery state.
async function queue(kv, id, url) {
  const record = { id, aff_id: 7, url, created: nowSeconds() };
  assert.equal(await kv.writeIfAbsent(`outbox/${id}`, JSON.stringify(record)), true);
}

async function entry(kv, id) {
  return JSON.parse(await kv.readText(`outbox/${id}`));
}

function dispatcher(t, kv, options = {}) {
  const events = [];
  const logs = [];
  const outbox = new OutboxDispatcher(kv, {
    intervalMs: 20,
    baseDelayMs: 60,
    maxAttempts: 8,
    timeoutMs: 1000,
    allowPrivateTargets: true,
    onEvent: (event) => events.push(event),
    log: (line) => logs.push(line),
    ...options,
  });
  t.after(() => outbox.stop());
  return { outbox, events, logs };
}

test('retry delays double from the base, with +-20% jitter, capped at one hour', () => {
  assert.equal(retryDelayMs(1, 1000, () => 0.5), 1000);
  assert.equal(retryDelayMs(2, 1000, () => 0.5), 2000);
  assert.equal(retryDelayMs(4, 1000, () => 0.5), 8000);
  assert.equal(retryDelayMs(1, 1000, () => 0), 800);
  assert.equal(retryDelayMs(1, 1000, () => 1), 1200);
  assert.equal(retryDelayMs(30, 1000, () => 1), 3600_000);
});

test('a new entry is delivered once and kept as delivered for 30 days', async (t) => {
  const kv = setup(t);
  const stub = await startStub(t);
  await queue(kv, 'conv1-7', `${stub.origin}/pb?tx=abc`);
  const { outbox, events } = dispatcher(t, kv);
  outbox.start();
  await waitFor(async () => (await entry(kv, 'conv1-7')).state === 'delivered', { what: 'delivery' });
  await new Promise((resolve) => setTimeout(resolve, 150));  // a few more scans: no second delivery
  assert.deepEqual(stub.requests.map((r) => r.url), ['/pb?tx=abc']);

  const stored = await entry(kv, 'conv1-7');
  assert.equal(stored.attempts, 1);
  assert.equal(stored.status, 200);
  assert.ok(Math.abs(stored.delivered_at - Date.now() / 1000) < 5);
  const { expiresAt } = decodeRecord(fs.readFileSync(kv.fileOf('outbox/conv1-7')));
  assert.ok(Math.abs(expiresAt - (nowSeconds() + 30 * 24 * 3600)) < 5, 'expires in 30 days');
  assert.deepEqual(events.map((e) => [e.type, e.outcome, e.id, e.entry, e.aff_id]),
    [['partner_postback', 'delivered', 'partner_postback:conv1-7:1:delivered', 'conv1-7', 7]]);
});

test('failures are retried with growing delays until the partner accepts', async (t) => {
  const kv = setup(t);
  const stub = await startStub(t, (req, res, count) => res.writeHead(count <= 2 ? 503 : 200).end());
  await queue(kv, 'c2-7', `${stub.origin}/pb`);
  // Each attempt writes its successor's time before it sends (see outbox.mjs). Wall-clock gaps
  // between arrivals would also count how late the request reached the stub on a loaded
  // machine, so the test checks the written schedule and that the dispatcher kept to it.
  const sends = [];
  const { outbox, events } = dispatcher(t, kv, {
    baseDelayMs: 400,
    deliver: async (url, options) => {
      sends.push({ at: Date.now(), nextAt: (await entry(kv, 'c2-7')).next_attempt_at * 1000 });
      return deliver(url, options);
    },
  });
  outbox.start();
  await waitFor(async () => (await entry(kv, 'c2-7')).state === 'delivered', { what: 'delivery after retries', timeoutMs: 15_000 });

  assert.equal(stub.requests.length, 3);
  const stored = await entry(kv, 'c2-7');
  assert.equal(stored.attempts, 3);
  assert.equal(stored.last_error, undefined, 'a delivered entry carries no error');
  assert.equal(sends.length, 3);
  for (const i of [1, 2]) {
    assert.ok(sends[i].at >= Math.floor(sends[i - 1].nextAt), `attempt ${i + 1} waited for its time`);
  }
  // Planned from just before each send: at most base (+20%), then at most twice that.
  const planned = sends.map((send) => send.nextAt - send.at);
  assert.ok(planned[0] > 0 && planned[0] <= 480, `first retry planned ${planned[0]} ms out`);
  assert.ok(planned[1] > planned[0] && planned[1] <= 960, `second retry planned ${planned[1]} ms out`);
  assert.deepEqual(events.map((e) => e.outcome), ['failed', 'failed', 'delivered']);
  assert.equal(events[0].error, 'HTTP 503');
});

test('after max attempts the entry is dead, keeps its last error, and is not tried again', async (t) => {
  const kv = setup(t);
  const stub = await startStub(t, (req, res) => res.writeHead(500).end('broken'));
  await queue(kv, 'c3-7', `${stub.origin}/pb`);
  const { outbox, events } = dispatcher(t, kv, { baseDelayMs: 20, maxAttempts: 3 });
  outbox.start();
  await waitFor(async () => (await entry(kv, 'c3-7')).state === 'dead', { what: 'dead letter' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(stub.requests.length, 3);
  const stored = await entry(kv, 'c3-7');
  assert.equal(stored.attempts, 3);
  assert.equal(stored.last_error, 'HTTP 500');
  assert.deepEqual(events.map((e) => e.outcome), ['failed', 'failed', 'dead']);
  assert.deepEqual((await listEntries(kv, { state: 'dead' })).map((e) => e.id), ['c3-7']);
});

test('replay puts a dead entry back in the queue and it is delivered', async (t) => {
  const kv = setup(t);
  let partnerUp = false;
  const stub = await startStub(t, (req, res) => res.writeHead(partnerUp ? 200 : 500).end());
  await queue(kv, 'c4-7', `${stub.origin}/pb`);
  const { outbox } = dispatcher(t, kv, { baseDelayMs: 20, maxAttempts: 2 });
  outbox.start();
  await waitFor(async () => (await entry(kv, 'c4-7')).state === 'dead', { what: 'dead letter' });

  partnerUp = true;
  assert.equal(await replayEntry(kv, 'c4-7'), 'c4-7: dead -> pending');
  const replayed = await entry(kv, 'c4-7');
  assert.equal(replayed.state, 'pending');
  assert.equal(replayed.attempts, 0);
  await waitFor(async () => (await entry(kv, 'c4-7')).state === 'delivered', { what: 'delivery after replay' });
  assert.equal((await entry(kv, 'c4-7')).attempts, 1);
  assert.equal(stub.requests.length, 3);

  await assert.rejects(replayEntry(kv, 'c4-7'), /outbox entry c4-7 is delivered, not dead: nothing to replay/);
  await assert.rejects(replayEntry(kv, 'nope'), /no outbox entry nope/);
});

test('a runner killed during a delivery loses nothing: the next one retries after the backoff', async (t) => {
  const kv = setup(t);
  const stub = await startStub(t);
  await queue(kv, 'c5-7', `${stub.origin}/pb`);

  // The first runner "dies" mid-request: its delivery never returns, nothing more is written.
  let started;
  const sent = new Promise((resolve) => { started = resolve; });
  const first = new OutboxDispatcher(kv, {
    intervalMs: 20, baseDelayMs: 200, allowPrivateTargets: true,
    deliver: () => { started(); return new Promise(() => {}); },
  });
  first.scan();
  await sent;
  void first.stop();  // never settles: the hanging delivery is abandoned, as in a kill
  const leased = await entry(kv, 'c5-7');
  assert.equal(leased.state, 'pending');
  assert.equal(leased.attempts, 1, 'the attempt was recorded before it was made');
  assert.ok(leased.next_attempt_at > Date.now() / 1000);

  const { outbox } = dispatcher(t, kv, { baseDelayMs: 200 });
  const restarted = Date.now();
  outbox.start();
  await waitFor(async () => (await entry(kv, 'c5-7')).state === 'delivered', { what: 'delivery after restart' });
  assert.equal((await entry(kv, 'c5-7')).attempts, 2);
  assert.equal(stub.requests.length, 1);
  assert.ok(Date.now() - restarted >= 100, 'the retry waited for next_attempt_at');
});

test('an entry whose last attempt was interrupted becomes dead at the next start', async (t) => {
  const kv = setup(t);
  await kv.writeReplace('outbox/c6-7', JSON.stringify({
    id: 'c6-7', aff_id: 7, url: 'http://127.0.0.1:9/pb', created: nowSeconds(),
    state: 'pending', attempts: 3, next_attempt_at: nowSeconds() - 1, last_error: 'HTTP 500',
  }));
  const { outbox } = dispatcher(t, kv, { maxAttempts: 3 });
  await outbox.scan();
  await outbox.settle();
  const stored = await entry(kv, 'c6-7');
  assert.equal(stored.state, 'dead');
  assert.equal(stored.attempts, 3);
});

test('private targets are refused as a failure unless allowed', async (t) => {
  const kv = setup(t);
  const stub = await startStub(t);
  await queue(kv, 'c7-7', `${stub.origin}/pb`);
  const { outbox, events } = dispatcher(t, kv, { allowPrivateTargets: false, judge: await partnerTargetJudge(), maxAttempts: 1 });
  await outbox.scan();
  await outbox.settle();
  const stored = await entry(kv, 'c7-7');
  assert.equal(stored.state, 'dead');
  assert.match(stored.last_error, /^private target refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/);
  assert.equal(stub.requests.length, 0);
  assert.equal(events[0].outcome, 'dead');
});

test('a hanging partner does not block the others; at most 8 deliveries run at once', async (t) => {
  const kv = setup(t);
  const hanging = await startStub(t, () => {});
  const healthy = await startStub(t);
  for (let i = 0; i < 12; i += 1) await queue(kv, `hang${String(i).padStart(2, '0')}-7`, `${hanging.origin}/pb?i=${i}`);
  await queue(kv, 'ok-7', `${healthy.origin}/pb`);
  const { outbox } = dispatcher(t, kv, { timeoutMs: 800, baseDelayMs: 5000 });
  outbox.start();

  await waitFor(() => hanging.requests.length === 8, { what: '8 hanging deliveries' });
  assert.equal(outbox.inFlight.size, 8);
  // The healthy partner's entry gets a slot as soon as the hanging ones time out, well before
  // the hanging entries' own retries (5 s away).
  await waitFor(async () => (await entry(kv, 'ok-7')).state === 'delivered', { timeoutMs: 3000, what: 'healthy delivery' });
  assert.ok(hanging.requests.length <= 12);
  const timedOut = await entry(kv, 'hang00-7');
  assert.equal(timedOut.last_error, 'no complete answer within 800 ms');
});

test('an unreadable entry is skipped and reported once', async (t) => {
  const kv = setup(t);
  await kv.writeReplace('outbox/bad', 'not json');
  const { outbox, logs } = dispatcher(t, kv);
  await outbox.scan();
  await outbox.scan();
  assert.equal(logs.length, 1);
  assert.match(logs[0], /^outbox: outbox\/bad: unreadable entry skipped/);
  assert.equal(await kv.readText('outbox/bad'), 'not json');
});

test('listEntries shows new, pending, delivered and dead entries with their state', async (t) => {
  const kv = setup(t);
  await queue(kv, 'a-7', 'http://partner.example/a');
  await kv.writeReplace('outbox/b-7', JSON.stringify({ id: 'b-7', url: 'http://partner.example/b', state: 'dead', attempts: 8 }));
  const all = await listEntries(kv);
  assert.deepEqual(all.map((e) => [e.id, e.state, e.attempts, e.url]), [
    ['a-7', 'pending', 0, 'http://partner.example/a'],
    ['b-7', 'dead', 8, 'http://partner.example/b'],
  ]);
  assert.deepEqual((await listEntries(kv, { state: 'pending' })).map((e) => e.id), ['a-7']);
});

test('a delivery this process could not even start (out of descriptors) spends no attempt', async (t) => {
  const kv = setup(t);
  const stub = await startStub(t);
  await queue(kv, 'fd-7', `${stub.origin}/pb`);
  let exhausted = true;
  const reported = [];
  const deliver = async (url, options) => {
    if (exhausted) {
      const error = Object.assign(new Error('socket: too many open files'), { code: 'EMFILE' });
      return { ok: false, error: `EMFILE: ${error.message}`, exhausted: error };
    }
    const { deliver: real } = await import('../src/deliver.mjs');
    return real(url, options);
  };
  const { outbox, events } = dispatcher(t, kv, {
    maxAttempts: 2,
    deliver,
    exhausted: (error, what) => {
      reported.push([error.code, what]);
      return true;
    },
  });
  for (let i = 0; i < 5; i += 1) {
    await outbox.scan();
    await outbox.settle();
    await kv.writeReplace('outbox/fd-7', JSON.stringify({ ...(await entry(kv, 'fd-7')), next_attempt_at: 0 }));
    outbox.wake(['fd-7']);  // a change from outside: the dispatcher reads it when woken
  }
  assert.equal((await entry(kv, 'fd-7')).attempts, 0, 'five failed starts, no attempt spent');
  assert.equal((await entry(kv, 'fd-7')).state, 'pending');
  assert.deepEqual(reported[0], ['EMFILE', 'outbox delivery']);
  assert.equal(reported.length, 5);
  assert.equal(events.length, 0);
  exhausted = false;
  outbox.start();
  await waitFor(async () => (await entry(kv, 'fd-7')).state === 'delivered', { what: 'delivery once descriptors are back' });
  assert.equal(stub.requests.length, 1);
});

// A kv with its list() calls counted: each one reads the whole directory.
class CountingKv extends KvDir {
  lists = 0;

  async list(prefix) {
    this.lists += 1;
    return super.list(prefix);
  }
}
const countingLists = (kv) => new CountingKv(kv.dir);

test('a running dispatcher finds new entries through wakes: its ticks never list the directory', async (t) => {
  const kv = countingLists(setup(t));
  const stub = await startStub(t);
  const { outbox, events } = dispatcher(t, kv);
  outbox.start();
  await waitFor(() => kv.lists === 1, { what: 'the listing at start' });

  await queue(kv, 'w1-7', `${stub.origin}/pb?w=1`);
  await new Promise((resolve) => setTimeout(resolve, 200));  // ten ticks
  assert.equal(stub.requests.length, 0, 'an entry nobody announced waits for the rescan');
  outbox.wake(['w1-7']);
  await waitFor(async () => (await entry(kv, 'w1-7')).state === 'delivered', { what: 'delivery after the wake' });

  // outbox replay, from another process: a marker file, taken at the next tick.
  await kv.writeReplace('outbox/w2-7', JSON.stringify({ id: 'w2-7', aff_id: 7, url: `${stub.origin}/pb?w=2`, state: 'dead', attempts: 8 }));
  assert.equal(await replayEntry(kv, 'w2-7'), 'w2-7: dead -> pending');
  await waitFor(async () => (await entry(kv, 'w2-7')).state === 'delivered', { what: 'delivery after the replay' });
  assert.deepEqual(fs.readdirSync(wakeDirOf(kv.dir)), [], 'the marker was taken');
  assert.deepEqual(stub.requests.map((r) => r.url), ['/pb?w=1', '/pb?w=2']);
  assert.equal(events.length, 2);
  assert.equal(kv.lists, 1, 'no listing after the first');
});

test('the rescan finds an entry that no wake announced', async (t) => {
  const kv = countingLists(setup(t));
  const stub = await startStub(t);
  const { outbox } = dispatcher(t, kv, { rescanMs: 300 });
  outbox.start();
  await waitFor(() => kv.lists === 1, { what: 'the listing at start' });
  await queue(kv, 'lost-7', `${stub.origin}/pb`);
  await waitFor(async () => (await entry(kv, 'lost-7')).state === 'delivered', { what: 'delivery after the rescan' });
  assert.ok(kv.lists >= 2);
  assert.equal(stub.requests.length, 1);
});

test('an entry whose conversion is not recorded is held, and sent once its commit is written', async (t) => {
  const kv = setup(t);
  const hits = [];
  const stub = await startStub(t, (req, res) => {
    hits.push(req.url);
    res.end('ok');
  });
  // As a power cut can leave it: the outbox entry kept, the commit before it lost.
  const record = { id: 'c1-7', aff_id: 7, url: `${stub.origin}/pb?c=1`, created: nowSeconds(), conversion_id: 'c1' };
  assert.equal(await kv.writeIfAbsent('outbox/c1-7', JSON.stringify(record)), true);
  const { outbox } = dispatcher(t, kv);
  outbox.start();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(hits, [], 'nothing is paid for a conversion the ledger does not hold');
  assert.equal((await entry(kv, 'c1-7')).state ?? 'pending', 'pending');
  await kv.writeIfAbsent('conversion/c1', '{"conversion_id":"c1"}');  // the advertiser's retry
  await waitFor(async () => (await entry(kv, 'c1-7')).state === 'delivered', { what: 'delivery' });
  assert.deepEqual(hits, ['/pb?c=1']);
});
