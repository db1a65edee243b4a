// The runner under sustained load (issue 15): started with the open-files limit at 256, it serves
// clicks and postbacks mixed, 16 at a time; every click is redirected and every postback answered
// 200, and afterwards its open descriptors and resident memory are back within a small margin of
// where they were after the first fifth of them (the heaps have grown to their working size by
// then). The report store's process, which loads every event meanwhile, is held to its memory
// limit and keeps no descriptors either. Then the same runner out of descriptors: 503s
// (not 500s), /healthz 503 while it lasts, one log line rather than one per request, and recovery
// by itself when the limit is raised again. Every loop is bounded in count and time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { get, mixedLoad, reportProcess, sample, startSoakNetwork } from './soak-load.mjs';
import { waitFor } from './stubs.mjs';

const FAKE_WASMTIME = fileURLToPath(new URL('../../local-runner/test/fake-wasmtime.mjs', import.meta.url));
const OPEN_FILES = 256;
const CONCURRENCY = 16;
// Per engine, how many requests. The engines other than node start a child process per request,
// one at a time: wasmtime's engine (wizer) about 50 ms each, jco (a Node process) about 400 ms,
// the wasmtime CLI's stand-in about 150 ms. Their descriptors are the child's pipes, closed when
// it exits; what is checked is that the runner keeps none of them. A request waits for the 15
// before it: on jco that is 6 s in the quiet and more than 10 s on a busy CI machine, so its
// answers are given 30 s (this test is about what the runner keeps, not its latency).
const ENGINES = [
  { engine: 'node', requests: 5000, env: {} },
  { engine: 'wasmtime-engine', requests: 1000, env: {} },
  { engine: 'jco', requests: 200, env: {}, answerWithinMs: 30_000 },
  { engine: 'wasmtime', requests: 200, env: { EDGEPOST_WASMTIME: FAKE_WASMTIME } },
];
// Margins over the figures after the first fifth of the requests: connections that happen to be open
// (16 clients, 8 partner deliveries, a scan) and the heap settling. A leak of a descriptor per
// request is thousands over; of one instance's memory (over 1 MiB each), gigabytes.
const DESCRIPTOR_MARGIN = 24;
const RSS_MARGIN_KB = 64 * 1024;
// DuckDB's memory_limit (REPORT_PROCESS_SETTINGS) and Node's own, with room: what is in the
// limit is buffers, not a leak, so the report process's bound is absolute.
const REPORT_RSS_BOUND_KB = (256 + 192) * 1024;

function secondFreeDescriptor(pid) {
  const open = new Set(fs.readdirSync(`/proc/${pid}/fd`).map(Number));
  let free = 0;
  for (let fd = 0; ; fd += 1) if (!open.has(fd) && ++free === 2) return fd;
}

// The same, with the runner at rest: it opens files for moments of its own (a click's record
// written after its redirect, the expiry index's append each second, the outbox's look for
// wakes), and a limit taken while one was open left room for a click once it closed (CI saw
// 302s). The lowest of a second's samples is the number at rest.
async function secondFreeDescriptorAtRest(pid) {
  let lowest = Infinity;
  for (let sample = 0; sample < 20; sample += 1) {
    lowest = Math.min(lowest, secondFreeDescriptor(pid));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return lowest;
}

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;
const openFilesLimit = (pid) => /Max open files\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'))[1];

for (const { engine, requests, env, answerWithinMs } of ENGINES) {
  test(`soak (${engine} engine): ${requests} clicks and postbacks, ${CONCURRENCY} at a time, open files limited to ${OPEN_FILES}`,
    { skip: !hasPrlimit && 'prlimit (util-linux) is missing', timeout: 180_000 }, async (t) => {
      const { runner, partner, dataDir, close } = await startSoakNetwork({ engine, env, openFiles: OPEN_FILES });
      t.after(close);
      assert.equal(openFilesLimit(runner.pid), String(OPEN_FILES));

      const reports = reportProcess(runner.pid);
      assert.ok(reports, 'serve runs its report store in a process of its own');
      let warm = null;
      let reportsWarm = null;
      const load = await mixedLoad(runner.base, {
        requests,
        concurrency: CONCURRENCY,
        answerWithinMs,
        onProgress: (sent) => {
          if (warm === null && sent >= requests / 5) {
            warm = sample(runner.pid);
            reportsWarm = sample(reports);
          }
        },
      });
      assert.deepEqual(load.failures, [], 'every click redirected, every postback approved');

      // Partner postbacks hold connections of their own: wait until the outbox is done with them.
      const pairs = requests / 2;
      await waitFor(() => partner.requests.length >= pairs, { timeoutMs: 120_000, what: `${pairs} partner postbacks` });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const end = sample(runner.pid);
      const reportsEnd = sample(reports);
      const figures = (from, to) => `descriptors ${from.descriptors} -> ${to.descriptors}, ` +
        `RSS ${(from.rssKb / 1024).toFixed(1)} -> ${(to.rssKb / 1024).toFixed(1)} MiB`;
      const line = `${engine}: ${load.sent} requests in ${load.seconds.toFixed(1)} s; ${figures(warm, end)}; ` +
        `report process ${figures(reportsWarm, reportsEnd)}`;
      t.diagnostic(line);
      assert.ok(end.descriptors <= warm.descriptors + DESCRIPTOR_MARGIN, line);
      assert.ok(end.rssKb <= warm.rssKb + RSS_MARGIN_KB, line);
      assert.ok(reportsEnd.descriptors <= reportsWarm.descriptors + DESCRIPTOR_MARGIN, line);
      assert.ok(reportsEnd.rssKb <= REPORT_RSS_BOUND_KB, line);

      // Nothing was lost or doubled on the way: one conversion event and one delivery per pair.
      const events = fs.readFileSync(path.join(dataDir, 'events.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(events.filter((e) => e.type === 'conversion').length, pairs);
      assert.equal(partner.requests.length, pairs);
    });
}

test('out of descriptors: 503 and /healthz 503 while it lasts, one log line, recovery by itself',
  { skip: !hasPrlimit && 'prlimit (util-linux) is missing', timeout: 60_000 }, async (t) => {
    const { runner, close } = await startSoakNetwork({ openFiles: OPEN_FILES });
    t.after(close);
    const fresh = () => new http.Agent({ keepAlive: false });
    assert.equal((await get(fresh(), `${runner.base}/click?offer_id=100&aff_id=7`)).status, 302);

    // Room for one descriptor (a request's connection) and no more: a limit on the open-files
    // count is a limit on descriptor numbers, so it is set to the second-lowest free number.
    const limit = await secondFreeDescriptorAtRest(runner.pid);
    assert.equal(spawnSync('prlimit', ['--pid', String(runner.pid), `--nofile=${limit}:${OPEN_FILES}`]).status, 0);
    const statuses = [];
    let health = null;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (statuses.filter((s) => s === 503).length < 20 || health === null)) {
      try {
        statuses.push((await get(fresh(), `${runner.base}/click?offer_id=100&aff_id=7`, 2000)).status);
        const answer = await get(fresh(), `${runner.base}/healthz`, 2000);
        if (answer.status === 503) health = JSON.parse(answer.body);
      } catch {
        statuses.push('closed');  // accept itself can run out too: libuv then closes the connection
      }
    }
    assert.ok(statuses.filter((s) => s === 503).length >= 20 && health !== null,
      `20 clicks answered 503 and a 503 from /healthz within 20 s: ${statuses.slice(0, 40).join(' ')}\n${runner.output.join('').slice(-2000)}`);
    t.diagnostic(`while out of descriptors: ${statuses.length} clicks, ${statuses.filter((s) => s === 'closed').length} connections closed by accept`);
    assert.ok(!statuses.includes(500), `no 500 while out of descriptors: ${statuses.slice(0, 40).join(' ')}`);
    assert.ok(!statuses.includes(302), `nothing can be served without /kv: ${statuses.slice(0, 40).join(' ')}`);
    assert.equal(health.error, 'resource_exhausted');
    assert.match(health.resource, /open files/);

    assert.equal(spawnSync('prlimit', ['--pid', String(runner.pid), `--nofile=${OPEN_FILES}:${OPEN_FILES}`]).status, 0);
    assert.equal((await get(fresh(), `${runner.base}/click?offer_id=100&aff_id=7`)).status, 302);
    assert.equal((await get(fresh(), `${runner.base}/healthz`)).status, 200);
    const log = runner.output.join('');
    assert.equal(log.match(/resource exhausted: open files/g)?.length, 1, 'one line, not one per request');
    assert.match(log, /resource recovered: open files .*\d+ failure\(s\)/);
  });
