// How long the runner's expiry sweep holds up its event loop (issue 11: "no stall > 10 ms").
// Fills a data directory with click records (half of them expired), then sweeps it while a
// timer measures the event loop's delay; the baseline is the same timer while nothing runs.
// Prints figures, never pass/fail.
//   node tests/bench/sweep-stall.mjs [--records N (default 100000)] [--json FILE]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { encodeRecord, KvDir, nowSeconds } from '../../local-runner/src/kv-dir.mjs';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, json: { type: 'string' } } });
const records = Number(values.records);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-sweep-'));

// The gaps between the ticks of a 1 ms timer while work() runs: the longest is the longest time
// a request would have waited for the event loop.
async function loopDelay(work) {
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
  return { result, elapsedMs, maxMs: gaps.at(-1), p99Ms: gaps[Math.floor(gaps.length * 0.99)] };
}

try {
  const kv = new KvDir(dir);
  const now = nowSeconds();
  const record = (expired) => encodeRecord(Buffer.from('{"transaction_id":"x","offer_id":100}'), expired ? now - 1 : now + 3600);
  for (let i = 0; i < records; i += 1) fs.writeFileSync(kv.fileOf(`click/${i}`), record(i % 2 === 1));
  const idle = await loopDelay(() => new Promise((resolve) => setTimeout(resolve, 1000)));
  const sweep = await loopDelay(() => kv.sweep());
  const line = `sweep over ${records} files: ${sweep.result.expired} expired deleted in ${(sweep.elapsedMs / 1000).toFixed(2)} s; ` +
    `event loop delay max ${sweep.maxMs.toFixed(1)} ms, p99 ${sweep.p99Ms.toFixed(1)} ms (idle: max ${idle.maxMs.toFixed(1)} ms)`;
  console.error(line);
  if (values.json) {
    fs.writeFileSync(values.json, JSON.stringify([{
      name: `sweep over ${records} stored files (runner): longest event-loop stall`, value: sweep.maxMs, unit: 'ms',
      baseline: idle.maxMs, baselineName: 'idle loop', ratio: sweep.maxMs / idle.maxMs, bar: 'no stall > 10 ms',
      meets: sweep.maxMs <= 10, note: `sweep ${(sweep.elapsedMs / 1000).toFixed(1)} s, O(records): no expiry index`,
    }]));
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
