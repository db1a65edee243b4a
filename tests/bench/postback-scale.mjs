// Whether a postback slows down as stored clicks pile up (issue 11: "postback p50 with 1 million
// stored clicks within 1.2x of that with 1,000"). One runner, one data directory: the postback
// median at 1 connection with about 1,000 stored clicks, then again after the directory has been
// filled to --clicks stored click records (written straight into it, as the click function
// would leave them, unexpired). Every postback is a new conversion on a fresh click. The runner
// keeps its default outbox interval and sweep meanwhile, as in production. Prints figures, never
// pass/fail.
//   EDGEPOST_FUNCTIONS_DIR=build/wasi/functions node tests/bench/postback-scale.mjs \
//     [--clicks 1000000] [--postbacks 300] [--json FILE.rows.json]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { encodeKey, encodeRecord, nowSeconds } from '../../local-runner/src/kv-dir.mjs';
import { TOKEN } from '../e2e/network.mjs';
import { get, startSoakNetwork } from '../e2e/soak-load.mjs';

const { values } = parseArgs({
  options: {
    clicks: { type: 'string', default: '1000000' },
    postbacks: { type: 'string', default: '300' },
    json: { type: 'string' },
  },
});
const target = Number(values.clicks);
const postbacks = Number(values.postbacks);
const CLICK = '/click?offer_id=100&aff_id=7';

// `count` postbacks at 1 connection, each on a click made just before it (not timed).
async function postbackMedian(base, tag) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  try {
    for (let i = 0; i < postbacks; i += 1) {
      const click = await get(agent, `${base}${CLICK}&aff_sub=${tag}-${i}`);
      if (click.status !== 302) throw new Error(`click answered ${click.status}: ${click.body}`);
      const tid = new URL(click.headers.location).searchParams.get('tid');
      const started = performance.now();
      const answer = await get(agent, `${base}/postback?transaction_id=${tid}&security_token=${TOKEN}&adv_sub=${tag}-${i}`);
      times.push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`postback answered ${answer.status}: ${answer.body}`);
    }
  } finally {
    agent.destroy();
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], p90: times[Math.floor(times.length * 0.9)] };
}

// Click records as the click function stores them, for clicks nobody converts.
function fillClicks(kvDir, from, to) {
  const expires = nowSeconds() + 30 * 24 * 3600;
  const record = (i) => encodeRecord(Buffer.from(`click/1|26:filler${String(i).padStart(20, '0')}100;7;${nowSeconds()};1;0;0:0:0;`), expires);
  for (let i = from; i < to; i += 1) fs.writeFileSync(path.join(kvDir, encodeKey(`click/filler${i}`)), record(i));
}

const { runner, dataDir, close } = await startSoakNetwork({ outboxIntervalMs: 1000 });
try {
  const kvDir = path.join(dataDir, 'kv');
  fillClicks(kvDir, 0, Math.max(0, 1000 - postbacks));
  const small = await postbackMedian(runner.base, 'small');
  const storedSmall = fs.readdirSync(kvDir).length;
  const started = performance.now();
  fillClicks(kvDir, 1000, target);
  console.error(`filled to ${target} clicks in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const large = await postbackMedian(runner.base, 'large');
  const storedLarge = fs.readdirSync(kvDir).length;
  const ratio = large.p50 / small.p50;
  const row = {
    name: `runner /postback p50, 1 connection, ${target.toLocaleString('en')} stored clicks vs 1,000`,
    value: large.p50, unit: 'ms p50', baseline: small.p50, baselineName: `${storedSmall.toLocaleString('en')} files`,
    ratio, bar: 'within 1.2x', meets: ratio <= 1.2,
    note: `${storedLarge.toLocaleString('en')} files; p90 ${large.p90.toFixed(2)} vs ${small.p90.toFixed(2)} ms`,
  };
  console.log(`${row.name}: ${large.p50.toFixed(2)} ms vs ${small.p50.toFixed(2)} ms (${ratio.toFixed(2)}x; ${row.note})`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify([row]));
} finally {
  await close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
