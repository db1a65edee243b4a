// By hand (and from tests/bench/run.sh): the runner's /click and /postback over HTTP against
// nginx `return 302` in the same run, with wrk (1 thread): rates at 32 connections, median
// latency at 1 connection. Every postback is a new conversion: each goes to a transaction ID
// minted by a click beforehand, never used twice (the note says so if a run outlasts its IDs).
//
//   cmake --workflow --preset wasi
//   EDGEPOST_FUNCTIONS_DIR=build/wasi/functions node tests/bench/runner-http.mjs [--seconds 10] [--threads N]
//        [--json FILE.rows.json]
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { TOKEN } from '../e2e/network.mjs';
import { get, startSoakNetwork } from '../e2e/soak-load.mjs';
import { startNginx } from './nginx.mjs';
import { wrk } from './wrk.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    engine: { type: 'string', default: 'node' },
    threads: { type: 'string' },  // the runner's --threads (default: its own)
    json: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const CLICK = '/click?offer_id=100&aff_id=7';

// Transaction IDs for `count` postbacks, from real clicks, 16 at a time.
async function mintPostbacks(base, count, tag) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const paths = new Array(count);
  let next = 0;
  try {
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const click = await get(agent, `${base}${CLICK}&aff_sub=${tag}-${i}`);
        if (click.status !== 302) throw new Error(`click for the postback bench answered ${click.status}: ${click.body}`);
        const tid = new URL(click.headers.location).searchParams.get('tid');
        paths[i] = `/postback?transaction_id=${tid}&security_token=${TOKEN}&adv_sub=${tag}-${i}`;
      }
    }));
  } finally {
    agent.destroy();
  }
  return paths;
}

const nginx = await startNginx();
// The outbox at its default interval (1 s); its deliveries go to a loopback stub.
const { runner, close } = await startSoakNetwork({
  engine: values.engine, outboxIntervalMs: 1000, flags: values.threads ? ['--threads', values.threads] : [],
});
const rows = [];
try {
  for (const base of [runner.base, nginx.base]) {
    const warm = await get(undefined, `${base}${CLICK}`);
    if (warm.status !== 302) throw new Error(`${base}: warm-up click answered ${warm.status}`);
  }
  const nginx32 = await wrk(`${nginx.base}${CLICK}`, { seconds, connections: 32 });
  const nginx1 = await wrk(`${nginx.base}${CLICK}`, { seconds, connections: 1 });
  const click32 = await wrk(`${runner.base}${CLICK}`, { seconds, connections: 32 });
  const click1 = await wrk(`${runner.base}${CLICK}`, { seconds, connections: 1 });
  // Postbacks are slower than clicks: as many IDs as clicks went through in the same time suffice.
  const ids = (run) => Math.min(50_000, Math.ceil(run.rate * seconds * 1.2));
  const postback1Paths = await mintPostbacks(runner.base, ids(click1), 'bench-c1');
  const postback1 = await wrk(runner.base, { seconds, connections: 1, paths: postback1Paths });
  const postback32Paths = await mintPostbacks(runner.base, ids(click32), 'bench-c32');
  const postback32 = await wrk(runner.base, { seconds, connections: 32, paths: postback32Paths });

  const answers = (run) => `${run.requests} requests, ${run.bad} not 2xx/3xx`;
  const reuse = (run, paths) => (run.requests > paths.length ? `; ${run.requests - paths.length} reused an ID (duplicates)` : '');
  rows.push({
    name: 'runner /click (wrk -t1 -c32) vs nginx return 302', value: click32.rate, unit: 'req/s',
    baseline: nginx32.rate, baselineName: 'nginx', ratio: click32.rate / nginx32.rate, bar: '>= 0.1x nginx',
    meets: click32.bad === 0 && click32.rate / nginx32.rate >= 0.1, note: answers(click32),
  }, {
    name: 'runner /click latency, 1 connection', value: click1.p50Ms, unit: 'ms p50',
    baseline: nginx1.p50Ms, baselineName: 'nginx', ratio: click1.p50Ms / nginx1.p50Ms, bar: 'p50 <= 0.5 ms',
    meets: click1.bad === 0 && click1.p50Ms <= 0.5, note: answers(click1),
  }, {
    name: 'runner /postback latency, 1 connection, each a new conversion', value: postback1.p50Ms, unit: 'ms p50',
    baseline: nginx1.p50Ms, baselineName: 'nginx', ratio: postback1.p50Ms / nginx1.p50Ms, bar: 'p50 <= 2 ms',
    meets: postback1.bad === 0 && postback1.requests <= postback1Paths.length && postback1.p50Ms <= 2,
    note: answers(postback1) + reuse(postback1, postback1Paths),
  }, {
    name: 'runner /postback (wrk -t1 -c32), each a new conversion', value: postback32.rate, unit: 'req/s',
    baseline: nginx32.rate, baselineName: 'nginx', ratio: postback32.rate / nginx32.rate, bar: '>= 0.04x nginx',
    meets: postback32.bad === 0 && postback32.requests <= postback32Paths.length && postback32.rate / nginx32.rate >= 0.04,
    note: answers(postback32) + reuse(postback32, postback32Paths),
  });
  for (const row of rows) {
    console.log(`${row.name}: ${row.value.toFixed(2)} ${row.unit} vs nginx ${row.baseline.toFixed(2)} (${row.ratio.toFixed(3)}x; ${row.note})`);
  }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(rows));
} finally {
  await close();
  await nginx.close();
}
