// The Worker on workerd, locally, through Miniflare: the real Workers runtime with simulated
// KV, Durable Objects, Queues and D1. Used by the tests and by hand:
//
//   node deploy/cloudflare/local-workerd.mjs --bundle build/workers/wasm/workers/bundle \
//        --config local-runner/demo/config.json [--port 8787]
//
// Nothing here talks to Cloudflare: cf: false (Miniflare would download cf.json otherwise),
// metrics off, 127.0.0.1 only. deploy/cloudflare/netns.sh runs any command inside a network
// namespace with loopback only, which makes that a guarantee rather than a promise.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { configRecords } from '../../wasm/workers/config-records.mjs';

process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

export const QUEUE = 'edgepost-partner-postbacks';
export const DEAD_LETTER_QUEUE = 'edgepost-partner-postbacks-dead';
export const EVENTS_QUEUE = 'edgepost-events';
export const COMPATIBILITY_DATE = '2025-09-01';

// Line-wise capture of the Worker's console: events are JSON lines.
function lineCollector(sink, echo) {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const line of lines) {
      sink.push(line);
      if (echo) echo.write(`${line}\n`);
    }
  };
}

// bundle: the build's bundle folder. records: [{key, value}] loaded into KV before serving.
// vars: extra plain-text bindings (secrets locally). queue: consumer settings. events: false
// leaves the events Queue unbound (events go to the console only, no report loading), for the
// benchmark that tells that pipeline's cost apart.
export async function startWorker({
  bundle, records = [], vars = {}, port = 0, queue = {}, echo = false, events = true,
}) {
  const read = (name) => fs.readFileSync(path.join(bundle, name));
  // worker.mjs first: Miniflare takes the first module as the entry point.
  const sources = fs.readdirSync(bundle, { recursive: true }).filter((name) => name.endsWith('.mjs') && name !== 'worker.mjs').sort();
  const modules = ['worker.mjs', ...sources]
    .map((name) => ({ type: 'ESModule', path: path.join(bundle, name), contents: read(name) }));
  modules.push({ type: 'CompiledWasm', path: path.join(bundle, 'edgepost.wasm'), contents: read('edgepost.wasm') });
  const consumer = { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 5, deadLetterQueue: DEAD_LETTER_QUEUE, ...queue };
  const output = [];
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    cf: false,
    compatibilityDate: COMPATIBILITY_DATE,
    modules,
    modulesRoot: bundle,
    kvNamespaces: { KV: 'edgepost-local-kv' },
    durableObjects: { CLAIMS: 'ClaimStore' },
    d1Databases: { REPORTS_DB: 'edgepost-reports' },
    queueProducers: { PARTNER_QUEUE: QUEUE, ...(events ? { EVENTS_QUEUE } : {}) },
    queueConsumers: {
      [QUEUE]: consumer,
      [DEAD_LETTER_QUEUE]: { maxBatchSize: 10, maxBatchTimeout: 1 },
      [EVENTS_QUEUE]: { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
    },
    bindings: { DEAD_LETTER_QUEUE, EVENTS_QUEUE_NAME: EVENTS_QUEUE, ...vars },
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio(stdout, stderr) {
      stdout.on('data', lineCollector(output, echo ? process.stdout : null));
      stderr.on('data', lineCollector(output, echo ? process.stderr : null));
    },
  });
  const base = (await mf.ready).href.replace(/\/$/, '');
  const kv = await mf.getKVNamespace('KV');
  for (const { key, value } of records) await kv.put(key, value);
  const claimsNamespace = await mf.getDurableObjectNamespace('CLAIMS');
  const reportsDb = await mf.getD1Database('REPORTS_DB');
  return { mf, base, kv, claimsNamespace, reportsDb, output, dispose: () => mf.dispose() };
}

// A plain JS module Worker with one KV namespace on the same workerd and settings, for the
// benchmarks' baseline. records: [{key, value}] loaded into its KV before it serves.
export async function startScriptWorker({ script, records = [] }) {
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    cf: false,
    compatibilityDate: COMPATIBILITY_DATE,
    modules: true,
    script,
    kvNamespaces: { KV: 'baseline-kv' },
    log: new Log(LogLevel.WARN),
  });
  const base = (await mf.ready).href.replace(/\/$/, '');
  const kv = await mf.getKVNamespace('KV');
  for (const { key, value } of records) await kv.put(key, value);
  return { base, dispose: () => mf.dispose() };
}

function option(args, name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
}

async function main(args) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundle = path.resolve(option(args, '--bundle', path.join(here, '../../build/workers/wasm/workers/bundle')));
  const configFile = option(args, '--config', null);
  if (!configFile) throw new Error('usage: local-workerd.mjs --config config.json [--bundle dir] [--port 8787]');
  const loaded = await configRecords(bundle, fs.readFileSync(configFile, 'utf8'));
  if (!loaded.ok) {
    for (const error of loaded.errors) console.error(`config: ${error}`);
    process.exit(1);
  }
  for (const name of ['EDGEPOST_SIGNING_KEYS', 'EDGEPOST_SIGNING_KEY_ID']) {
    if (!process.env[name]) throw new Error(`${name} must be set (the Worker secret, locally)`);
  }
  const worker = await startWorker({
    bundle,
    records: loaded.records,
    port: Number(option(args, '--port', 8787)),
    echo: true,
    vars: {
      EDGEPOST_SIGNING_KEYS: process.env.EDGEPOST_SIGNING_KEYS,
      EDGEPOST_SIGNING_KEY_ID: process.env.EDGEPOST_SIGNING_KEY_ID,
      ...(process.env.EDGEPOST_ADMIN_TOKEN ? { EDGEPOST_ADMIN_TOKEN: process.env.EDGEPOST_ADMIN_TOKEN } : {}),
      ALLOW_PRIVATE_TARGETS: option(args, '--allow-private-targets', 'false'),
    },
  });
  console.log(`edgepost worker on workerd listening on ${worker.base}`);
  const stop = async () => { await worker.dispose(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
