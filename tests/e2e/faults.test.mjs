// Faults with the local runner (issue #6): the data directory full or read-only, the runner
// killed with SIGKILL under load, a partner that hangs. Every wait and loop is bounded.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { decodeKey, encodeKey } from '../../local-runner/src/kv-dir.mjs';
import { functionsDir } from './functions.mjs';
import { networkConfig, SIGNING_ENV, TOKEN } from './network.mjs';
import { getJson, kvFiles, spawnRunner, startRawStub, storedKeys } from './hostile-runner.mjs';
import { makeDataDir, storedValue, writeConfig } from './runner-target.mjs';
import { waitFor } from './stubs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FAST_OUTBOX = ['--outbox-interval-ms', '100', '--outbox-base-delay-ms', '100', '--outbox-timeout-ms', '1000'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function clickTid(base, query) {
  const response = await fetch(`${base}/click?${query}`, { redirect: 'manual' });
  assert.equal(response.status, 302, await response.text());
  return new URL(response.headers.get('location')).searchParams.get('tid');
}

// Runs tasks with at most `limit` under way.
async function pool(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  }));
  return results;
}

const namespacesWork = spawnSync('unshare', ['-m', 'bash', '-c', 'mount -t tmpfs -o size=64k t /mnt && umount /mnt'], { timeout: 10000 }).status === 0;

describe('faults: the data directory full or read-only', { skip: namespacesWork ? false : 'unshare -m / mount -t tmpfs are not permitted here (needs root)' }, () => {
  for (const mode of ['full', 'ro']) {
    test(`${mode}: postbacks answer 503 and store nothing; clicks still redirect and the events say what was lost`, async () => {
      const landing = await startRawStub();
      const partner = await startRawStub();
      const dataDir = makeDataDir();
      const config = writeConfig(dataDir, networkConfig({ landing: landing.url('/landing'), partner: () => partner.url('/p') }));
      let runner;
      // What the runner's mount namespace sees in DATA/kv (the test process sees the directory under the tmpfs).
      const kvInside = () => {
        const r = spawnSync('nsenter', ['-t', String(runner.pid), '-m', 'ls', '-a', path.join(dataDir, 'kv')], { encoding: 'utf8', timeout: 10000 });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.split('\n').filter((n) => n && n !== '.' && n !== '..').sort();
      };
      try {
        runner = await spawnRunner({ dataDir, flags: FAST_OUTBOX, env: { ...SIGNING_ENV, EDGEPOST_FUNCTIONS_DIR: functionsDir },
          prefix: ['unshare', '-m', 'bash', path.join(here, 'faults-mount.sh'), mode, dataDir, config, '--'] });
        const before = kvInside();
        assert.ok(before.includes('config%2Foffer%2F100'), `config loaded on the tmpfs: ${before}`);
        assert.deepEqual(before.filter((n) => !n.startsWith('.')).map(decodeKey).filter((k) => !k.startsWith('config/')), []);

        // The person is still redirected.
        const tid = await clickTid(runner.base, 'offer_id=100&aff_id=7&aff_sub=lost');
        assert.match(tid, /^[a-z2-7]{47}$/);
        // The advertiser is told to retry, and nothing is acknowledged.
        for (let i = 0; i < 3; i += 1) {
          const r = await getJson(`${runner.base}/postback?tid=${tid}&security_token=${TOKEN}`);
          assert.deepEqual([r.status, r.body.reason, r.body.status], [503, 'store_unavailable', 'rejected'], r.text);
          assert.equal(r.body.conversion_id, undefined);
          assert.equal(r.headers.get('retry-after'), '5');
        }
        assert.deepEqual(kvInside().filter((n) => !n.startsWith('.tmp-')), before.filter((n) => !n.startsWith('.tmp-')));
        assert.deepEqual(kvInside().filter((n) => n.startsWith('.tmp-')), [], 'no temporary file left behind');
        await sleep(300);
        assert.equal(partner.requests.length, 0);
        const events = fs.readFileSync(path.join(dataDir, 'events.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        const errors = events.filter((e) => e.type === 'error');
        assert.ok(errors.some((e) => e.what === 'click not stored' && e.detail.startsWith(`click/${tid}: `)), JSON.stringify(errors));
        assert.ok(errors.some((e) => e.what === 'claim not stored' && /could not be read or written/.test(e.detail)), JSON.stringify(errors));
        assert.ok(events.some((e) => e.type === 'click'), 'the click event is still emitted');
        assert.ok(!events.some((e) => e.type === 'conversion'));
      } finally {
        await runner?.stop();
        await landing.close();
        await partner.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});

describe('faults: SIGKILL during a postback load', () => {
  test('acknowledged conversions survive, none doubles, every partner postback is delivered', async () => {
    const landing = await startRawStub();
    const partner = await startRawStub();
    const dataDir = makeDataDir();
    const configFile = writeConfig(dataDir, networkConfig({ landing: landing.url('/landing'), partner: () => partner.url('/p') }));
    let runner = await spawnRunner({ dataDir, configFile, flags: FAST_OUTBOX });
    try {
      const tids = [];
      for (let i = 0; i < 150; i += 1) tids.push(await clickTid(runner.base, `offer_id=200&aff_id=8&aff_sub=k${i}`));
      const query = (tid) => `tid=${tid}&amount=10&adv_sub=K-${tid.slice(-12)}`;
      let answered = 0;
      let killed = false;
      const first = await pool(tids, 10, async (tid) => {
        if (killed) return { status: 'not sent' };
        try {
          const r = await getJson(`${runner.base}/postback?${query(tid)}`);
          answered += 1;
          if (answered >= 75 && !killed) {
            killed = true;
            process.kill(runner.pid, 'SIGKILL');
          }
          return r;
        } catch (error) {
          return { status: 'failed', error: error.message };
        }
      });
      assert.equal((await runner.exited).signal, 'SIGKILL');
      const acked = new Map();
      first.forEach((r, i) => { if (r.status === 200 && r.body.status === 'approved') acked.set(tids[i], r.body.conversion_id); });
      const failed = first.filter((r) => r.status === 'failed').length;
      console.log(`# before the kill: ${acked.size} acknowledged, ${failed} connections broken, ` +
        `${first.filter((r) => r.status === 'not sent').length} not sent`);
      assert.ok(acked.size >= 60, `acknowledged ${acked.size}`);

      // Every acknowledged conversion is stored: its claim, its record, and its event, which is
      // the reports' only record of it (the runner answers a postback after its events are synced).
      const keys = new Set(storedKeys(dataDir));
      const logged = conversionEvents(dataDir);
      for (const [tid, cid] of acked) {
        assert.ok(keys.has(`claim/click/${tid}/sale`), `claim of ${tid}`);
        assert.ok(keys.has(`conversion/${cid}`), `conversion ${cid}`);
        assert.ok(logged.has(cid), `the conversion event of ${cid} in events.log`);
      }

      runner = await spawnRunner({ dataDir, configFile, flags: FAST_OUTBOX });
      const second = await pool(tids, 10, (tid) => getJson(`${runner.base}/postback?${query(tid)}`));
      const final = new Map();
      second.forEach((r, i) => {
        assert.equal(r.status, 200, r.text);
        const tid = tids[i];
        if (acked.has(tid)) {
          assert.equal(r.body.duplicate, true, tid);
          assert.equal(r.body.conversion_id, acked.get(tid), `the same conversion for ${tid}`);
        }
        final.set(tid, r.body.conversion_id);
      });
      assert.equal(new Set(final.values()).size, 150, 'one conversion per click');
      assert.equal(storedKeys(dataDir).filter((k) => k.startsWith('conversion/')).length, 150, 'no conversion doubled');

      await waitFor(() => new Set(partner.requests.map((r) => new URL(r.rawUrl, 'http://x').searchParams.get('tx'))).size >= 150,
        { what: 'a partner postback for every conversion', timeoutMs: 60000, intervalMs: 200 });
      await sleep(1000);
      const perTid = new Map();
      for (const r of partner.requests) {
        const tx = new URL(r.rawUrl, 'http://x').searchParams.get('tx');
        perTid.set(tx, (perTid.get(tx) ?? 0) + 1);
      }
      for (const tid of tids) assert.ok(perTid.get(tid) >= 1, `partner postback of ${tid}`);
      const repeated = [...perTid.entries()].filter(([, n]) => n > 1);
      console.log(`# partner postbacks: ${partner.requests.length} requests for ${perTid.size} conversions; ` +
        `${repeated.length} delivered more than once (at least once)${repeated.length ? `: ${JSON.stringify(repeated.slice(0, 5))}` : ''}`);
      assert.ok(repeated.length <= 10, 'only deliveries under way at the kill may repeat');
      assert.ok(!perTid.has(null));
    } finally {
      await runner.stop();
      await landing.close();
      await partner.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// A click record is written without a sync (docs/data-directory.md): after a power cut its name
// can be left on an empty file, its data never written. Nothing short of a VM can cut the power
// here, so the test leaves the click record the way such a cut would.
describe('faults: a click record torn by a power cut', () => {
  test('the postback still records the conversion, from the signed ID alone', async () => {
    const landing = await startRawStub();
    const partner = await startRawStub();
    const dataDir = makeDataDir();
    const configFile = writeConfig(dataDir, networkConfig({ landing: landing.url('/landing'), partner: () => partner.url('/p') }));
    const runner = await spawnRunner({ dataDir, configFile, flags: FAST_OUTBOX });
    try {
      const tid = await clickTid(runner.base, 'offer_id=200&aff_id=8&aff_sub=torn');
      const clicks = kvFiles(dataDir).filter((f) => f.key?.startsWith('click/'));
      assert.equal(clicks.length, 1, JSON.stringify(clicks));
      fs.truncateSync(path.join(dataDir, 'kv', clicks[0].name), 0);

      const first = await getJson(`${runner.base}/postback?tid=${tid}&amount=10&adv_sub=TORN-1`);
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.status, 'approved', first.text);
      assert.ok(storedKeys(dataDir).includes(`conversion/${first.body.conversion_id}`));
      const replay = await getJson(`${runner.base}/postback?tid=${tid}&amount=10&adv_sub=TORN-1`);
      assert.equal(replay.body.duplicate, true, replay.text);
      assert.equal(replay.body.conversion_id, first.body.conversion_id);
      await waitFor(() => partner.requests.length >= 1, { what: 'the partner postback', timeoutMs: 20000, intervalMs: 100 });
    } finally {
      await runner.stop();
      await landing.close();
      await partner.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// The runner does not sync a conversion's commit, outbox entries and record, nor the events of
// the postback, before it answers: it syncs its ledger log, which holds them all
// (local-runner/src/ledger-log.mjs). Here the machine "loses power" right after a 200: the
// runner is killed and every unsynced write of that postback is taken away, as a power cut
// may do. The next start writes them all back before it serves.
describe('faults: a power cut right after a postback was answered', () => {
  test('the next start restores its record, its outbox entry and its event from the ledger log', async () => {
    const landing = await startRawStub();
    const partner = await startRawStub();
    const dataDir = makeDataDir();
    const configFile = writeConfig(dataDir, networkConfig({ landing: landing.url('/landing'), partner: () => partner.url('/p') }));
    // No delivery before the cut: the outbox's writes are synced, and this test is not about them.
    let runner = await spawnRunner({ dataDir, configFile, flags: ['--outbox-interval-ms', '600000'] });
    try {
      const tid = await clickTid(runner.base, 'offer_id=200&aff_id=8&aff_sub=cut');
      const first = await getJson(`${runner.base}/postback?tid=${tid}&amount=10&adv_sub=CUT-1`);
      assert.equal(first.status, 200, first.text);
      const cid = first.body.conversion_id;
      process.kill(runner.pid, 'SIGKILL');
      await runner.exited;

      const unsynced = storedKeys(dataDir).filter((key) => key === `conversion/${cid}` || key.startsWith(`outbox/${cid}-`));
      assert.equal(unsynced.length, 2, JSON.stringify(storedKeys(dataDir)));
      for (const key of unsynced) fs.rmSync(path.join(dataDir, 'kv', encodeKey(key)));
      const eventsFile = path.join(dataDir, 'events.log');
      const kept = fs.readFileSync(eventsFile, 'utf8').split('\n').filter((line) => !line.includes(`"conversion_id":"${cid}"`));
      fs.writeFileSync(eventsFile, kept.join('\n'));
      assert.ok(!conversionEvents(dataDir).has(cid));

      runner = await spawnRunner({ dataDir, configFile, flags: FAST_OUTBOX });
      assert.match(runner.output.join(''), /ledger: wrote again \d+ writes and 1 events/);
      for (const key of unsynced) assert.ok(storedKeys(dataDir).includes(key), `${key} is back`);
      assert.equal(JSON.parse(storedValue(dataDir, `conversion/${cid}`)).stage, 'complete');
      assert.ok(conversionEvents(dataDir).has(cid), 'its event is back in events.log');
      await waitFor(() => partner.requests.length >= 1, { what: 'the partner postback', timeoutMs: 20000, intervalMs: 100 });
      const replay = await getJson(`${runner.base}/postback?tid=${tid}&amount=10&adv_sub=CUT-1`);
      assert.deepEqual([replay.body.duplicate, replay.body.conversion_id], [true, cid], replay.text);
      await sleep(300);
      assert.equal(partner.requests.length, 1, 'paid once');
    } finally {
      await runner.stop();
      await landing.close();
      await partner.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// The conversion ids of the conversion events in DATA/events.log.
function conversionEvents(dataDir) {
  const ids = new Set();
  for (const line of fs.readFileSync(path.join(dataDir, 'events.log'), 'utf8').split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line);
    if (event.type === 'conversion') ids.add(event.conversion_id);
  }
  return ids;
}

function vmRssKb(pid) {
  return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

describe('faults: a partner that hangs', () => {
  test('the outbox keeps delivering to healthy partners, times out on the hanging one, memory stays bounded', async () => {
    const landing = await startRawStub();
    const healthy = await startRawStub();
    const hanging = await startRawStub(() => { /* never answers */ });
    const dataDir = makeDataDir();
    const config = networkConfig({ landing: landing.url('/landing'),
      partner: (id) => (id === 9 ? hanging.url('/hang') : healthy.url(`/ok${id}`)) });
    const runner = await spawnRunner({ dataDir, configFile: writeConfig(dataDir, config),
      flags: ['--outbox-interval-ms', '50', '--outbox-base-delay-ms', '100', '--outbox-timeout-ms', '300', '--outbox-max-attempts', '3'] });
    try {
      // 100 conversions for the hanging partner (3 attempts each: 300 deliveries).
      const hangTids = [];
      for (let i = 0; i < 100; i += 1) {
        const tid = await clickTid(runner.base, 'offer_id=100&aff_id=9');
        const r = await getJson(`${runner.base}/postback?tid=${tid}&security_token=${TOKEN}`);
        assert.equal(r.status, 200, r.text);
        hangTids.push(tid);
      }
      await waitFor(() => hanging.requests.length >= 24, { what: 'the hanging partner to be busy', timeoutMs: 20000 });
      const rssBefore = vmRssKb(runner.pid);
      // Healthy partner's conversions, sent while the hanging one holds delivery slots.
      const started = Date.now();
      const okTids = [];
      for (let i = 0; i < 20; i += 1) {
        const tid = await clickTid(runner.base, 'offer_id=200&aff_id=8');
        const r = await getJson(`${runner.base}/postback?tid=${tid}&amount=10`);
        assert.equal(r.status, 200, r.text);
        okTids.push(tid);
      }
      await waitFor(() => okTids.every((tid) => healthy.requests.some((r) => r.rawUrl.includes(tid))),
        { what: 'deliveries to the healthy partner', timeoutMs: 30000, intervalMs: 100 });
      console.log(`# healthy partner: 20 deliveries done ${Date.now() - started} ms after the first was queued`);

      await waitFor(() => hanging.requests.length >= 300, { what: '300 attempts at the hanging partner', timeoutMs: 90000, intervalMs: 200 });
      const rssAfter = vmRssKb(runner.pid);
      console.log(`# runner VmRSS: ${rssBefore} kB before, ${rssAfter} kB after ${hanging.requests.length} deliveries to a hanging partner ` +
        `(growth ${((rssAfter - rssBefore) / 1024).toFixed(1)} MB); open sockets at the partner: ${hanging.sockets.size}`);
      assert.ok(rssAfter - rssBefore < 100 * 1024, `RSS grew by ${rssAfter - rssBefore} kB`);
      assert.ok(hanging.sockets.size <= 16, `the runner holds ${hanging.sockets.size} connections open`);
      assert.match(runner.output.join(''), /no complete answer within 300 ms/);
      await waitFor(() => runner.output.join('').split('gave up on partner postback').length - 1 >= 100,
        { what: 'every hanging entry to go dead after 3 attempts', timeoutMs: 20000 });
    } finally {
      await runner.stop();
      for (const stub of [landing, healthy, hanging]) await stub.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
