// By hand (and from tests/bench/run.sh): the edgepost Worker's /click on workerd against a
// minimal JS Worker on the same workerd, in the same run: one KV read, a 302, a KV write in
// waitUntil, which is the least any click tracker does. wrk, 1 thread, 32 connections.
// A second row runs the edgepost Worker without its events Queue: locally the Queue's consumer
// loads every event into D1 on the same cores as the clicks, where on Cloudflare it runs apart.
// Inside deploy/cloudflare/netns.sh when it works (loopback only), like the tests.
//
//   cmake --workflow --preset workers
//   bash deploy/cloudflare/netns.sh node tests/bench/worker-http.mjs [--seconds 10] [--json FILE.rows.json]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startScriptWorker, startWorker } from '../../deploy/cloudflare/local-workerd.mjs';
import { configRecords } from '../../wasm/workers/config-records.mjs';
import { wrk } from './wrk.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    bundle: { type: 'string', default: path.join(repo, 'build/workers/wasm/workers/bundle') },
    json: { type: 'string' },
  },
});

const MINIMAL_WORKER = `
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const offer = await env.KV.get('config/offer/' + url.searchParams.get('offer_id'));
    if (offer === null) return new Response('unknown offer', { status: 404 });
    const id = crypto.randomUUID();
    ctx.waitUntil(env.KV.put('click/' + id, JSON.stringify({ offer: url.searchParams.get('offer_id'), time: Date.now() })));
    return new Response(null, { status: 302, headers: { location: JSON.parse(offer).url + '?tid=' + id } });
  },
};`;

const config = fs.readFileSync(path.join(repo, 'local-runner/demo/config.json'), 'utf8');
const loaded = await configRecords(values.bundle, config);
if (!loaded.ok) throw new Error(`demo config: ${loaded.errors.join('; ')}`);
const edgepostWorker = (events) => startWorker({
  bundle: values.bundle,
  records: loaded.records,
  vars: { EDGEPOST_SIGNING_KEYS: `1:${'ab'.repeat(32)}`, EDGEPOST_SIGNING_KEY_ID: '1' },
  events,
});
const edgepost = await edgepostWorker(true);
const withoutEvents = await edgepostWorker(false);
const minimal = await startScriptWorker({
  script: MINIMAL_WORKER,
  records: [{ key: 'config/offer/100', value: JSON.stringify({ url: 'http://127.0.0.1/landing' }) }],
});
const minimalBase = minimal.base;

try {
  const query = '/click?offer_id=100&aff_id=7';
  for (const base of [edgepost.base, withoutEvents.base, minimalBase]) {  // warm the isolates
    const response = await fetch(`${base}${query}`, { redirect: 'manual' });
    if (response.status !== 302) throw new Error(`${base}: warm-up click answered ${response.status}`);
  }
  const seconds = Number(values.seconds);
  const ours = await wrk(`${edgepost.base}${query}`, { seconds, connections: 32 });
  const oursWithoutEvents = await wrk(`${withoutEvents.base}${query}`, { seconds, connections: 32 });
  const baseline = await wrk(`${minimalBase}${query}`, { seconds, connections: 32 });
  const note = (run) => `p50 ${run.p50Ms.toFixed(2)} ms vs ${baseline.p50Ms.toFixed(2)} ms; non-3xx ${run.bad}/${baseline.bad}`;
  const rows = [{
    name: 'Worker /click vs minimal JS Worker (wrk -t1 -c32)',
    value: ours.rate, unit: 'req/s', baseline: baseline.rate, baselineName: 'minimal JS Worker',
    ratio: ours.rate / baseline.rate, bar: '>= 1.0x', meets: ours.rate / baseline.rate >= 1.0, note: note(ours),
  }, {
    name: 'Worker /click without its events Queue (no report loading on the same cores) vs minimal JS Worker',
    value: oursWithoutEvents.rate, unit: 'req/s', baseline: baseline.rate, baselineName: 'minimal JS Worker',
    ratio: oursWithoutEvents.rate / baseline.rate, bar: 'what the row above costs in report loading', meets: null,
    note: note(oursWithoutEvents),
  }];
  for (const row of rows) {
    console.log(`${row.name}: ${row.value.toFixed(0)} vs ${row.baseline.toFixed(0)} req/s (${row.ratio.toFixed(2)}x; ${row.note})`);
  }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(rows));
} finally {
  await edgepost.dispose();
  await withoutEvents.dispose();
  await minimal.dispose();
}
