// How long the runner's expiry sweep holds up its event loop (issue 11: "no stall > 10 ms").
// Fills a data directory with click records (half of them expired, all named in the expiry
// index as the click function names them), then measures the event loop's delay during the full
// walk (the backstop: first start, after a kill, daily) and, after the expired half is written
// again, during the indexed sweep that runs every minute. Both run as serve runs them: sealed
// here, deleted on the sweep thread (sweep-thread-client.mjs). The baseline is the same timer
// while nothing runs. Prints figures, never pass/fail.
//   node tests/bench/sweep-stall.mjs [--records N (default 100000)] [--json FILE]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ExpiryIndex } from '../../local-runner/src/expiry-index.mjs';
import { encodeKey, encodeRecord, KvDir, nowSeconds } from '../../local-runner/src/kv-dir.mjs';
import { SweepThread } from '../../local-runner/src/sweep-thread-client.mjs';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, json: { type: 'string' } } });
const records = Number(values.records);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-sweep-'));

// The garbage of filling a million files is the bench's, not the sweep's: collected before
// each measurement, so that its collection is not counted as the sweep's stall.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');

// The gaps between the ticks of a 1 ms timer while work() runs: the longest is the longest time
// a request would have waited for the event loop.
async function loopDelay(work) {
  collectGarbage();
  const gaps = [];
  let last = performance.now();
  const ticker = setInterval(() => {
    const at = performance.now();
    gaps.push(at - last);
    last = at;
  }, 1);
  const started = performance.now();
  const result = await work();
  const elapsedMs = performance.now() - started;
  clearInterval(ticker);
  gaps.push(performance.now() - last);
  gaps.sort((a, b) => a - b);
  return { result, elapsedMs, maxMs: gaps.at(-1), p99Ms: gaps[Math.floor(gaps.length * 0.99)], over10: gaps.filter((gap) => gap > 10).length };
}

const describe = (run) => `${(run.elapsedMs / 1000).toFixed(2)} s, event loop delay max ${run.maxMs.toFixed(1)} ms, ` +
  `p99 ${run.p99Ms.toFixed(1)} ms, ${run.over10} over 10 ms`;
// The idle loop is the baseline: on these machines it too stalls now and then (17.5 ms once
// in a quiet minute), so it is watched for a minute at the scale, not for a second.
const IDLE_MS = Math.max(1000, Math.min(60_000, (records / 1_000_000) * 60_000));

try {
  const index = new ExpiryIndex(path.join(dir, 'expiry'));
  const kv = new KvDir(path.join(dir, 'kv')).ensure();
  const now = nowSeconds();
  const value = Buffer.from('click/1|26:filler00000000000000000000100;7;0;1;0;0:0:0;');
  const fill = (expiredOnly) => {
    for (let i = expiredOnly ? 1 : 0; i < records; i += expiredOnly ? 2 : 1) {
      const expiresAt = i % 2 === 1 ? now - 1 : now + 3600;
      const name = encodeKey(`click/${i}`);
      fs.writeFileSync(path.join(kv.dir, name), encodeRecord(value, expiresAt));
      index.add(name, expiresAt);
    }
    index.flush();
  };
  fill(false);
  const idle = await loopDelay(() => new Promise((resolve) => setTimeout(resolve, IDLE_MS)));
  const thread = new SweepThread({ kvDir: kv.dir, indexDir: index.dir });
  const walk = await loopDelay(() => thread.walk({ now }));
  fill(true);
  const indexed = await loopDelay(() => thread.buckets(index.seal(now + 600), { now: now + 600 }));
  await thread.close();
  console.error(`expiry sweep, ${records} stored files, ${indexed.result.expired} expired: indexed ${describe(indexed)}; ` +
    `full walk ${describe(walk)} (${walk.result.expired} deleted); idle loop ${describe(idle)}`);
  if (values.json) {
    fs.writeFileSync(values.json, JSON.stringify([{
      name: `expiry sweep, ${records} stored files, half expired (runner): longest event-loop stall`, value: indexed.maxMs, unit: 'ms',
      baseline: idle.maxMs, baselineName: `idle loop, ${(idle.elapsedMs / 1000).toFixed(0)} s`, ratio: indexed.maxMs / idle.maxMs, bar: 'no stall > 10 ms',
      meets: indexed.maxMs <= 10,
      note: `indexed sweep ${(indexed.elapsedMs / 1000).toFixed(1)} s, ${indexed.over10} stalls over 10 ms (idle loop: ${idle.over10}); the full walk (first start, after a kill, daily) ` +
        `${(walk.elapsedMs / 1000).toFixed(1)} s, stall ${walk.maxMs.toFixed(1)} ms`,
    }]));
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
