// By hand: the time one request takes on each WASI engine of the runner (instantiate + handle,
// one at a time), clicks on the demo config, in one run so that the figures compare. The
// baseline is the same click on node:wasi; ratios are what count on a shared machine.
//
//   cmake --workflow --preset wasi
//   EDGEPOST_FUNCTIONS_DIR=build/wasi/functions node tests/bench/engines.mjs [--requests 200]
//        [--json FILE.rows.json]   (rows for tests/bench/report.mjs)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readConfigFile, runConfig } from '../../local-runner/src/config-file.mjs';
import { DEMO_CONFIG_FILE } from '../../local-runner/src/demo.mjs';
import { createEngine } from '../../local-runner/src/engine.mjs';
import { functionsDir } from '../e2e/functions.mjs';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, json: { type: 'string' } } });
const requests = Number(values.requests);
const secrets = { EDGEPOST_SIGNING_KEYS: `1:${'ab'.repeat(32)}`, EDGEPOST_SIGNING_KEY_ID: '1' };
const click = { method: 'GET', path: '/click', query: 'offer_id=100&aff_id=7', headers: {}, remoteAddr: '127.0.0.1' };

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const rows = [];
for (const kind of ['node', 'wasmtime-engine', 'jco']) {
  const kvDir = fs.mkdtempSync(path.join(os.tmpdir(), `edgepost-bench-${kind}-`));
  try {
    const engine = await createEngine({ kind, functionsDir, kvDir, secrets, functions: ['click', 'config'] });
    const loaded = await runConfig(engine, 'load', readConfigFile(DEMO_CONFIG_FILE));
    if (!loaded.ok) throw new Error(`${kind}: config load failed: ${loaded.errors.join('; ')}`);
    const count = kind === 'node' ? requests * 10 : requests;
    for (let i = 0; i < Math.min(10, count); i += 1) await engine.cgi('click', click);  // warm caches
    const times = [];
    for (let i = 0; i < count; i += 1) {
      const started = process.hrtime.bigint();
      const response = await engine.cgi('click', click);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (response.status !== 302) throw new Error(`${kind}: click answered ${response.status}`);
    }
    times.sort((a, b) => a - b);
    rows.push({ kind, description: engine.description, count, p50: percentile(times, 0.5), p90: percentile(times, 0.9) });
  } finally {
    fs.rmSync(kvDir, { recursive: true, force: true });
  }
}

const base = rows[0].p50;
console.log(`click, one request at a time, ${os.cpus().length} cores (${os.cpus()[0].model})`);
for (const row of rows) {
  console.log(`${row.kind.padEnd(16)} ${String(row.count).padStart(5)} requests  p50 ${row.p50.toFixed(2).padStart(8)} ms  ` +
    `p90 ${row.p90.toFixed(2).padStart(8)} ms  ${(row.p50 / base).toFixed(1).padStart(6)}x node  ${row.description}`);
}

if (values.json) {
  fs.writeFileSync(values.json, JSON.stringify(rows.map((row) => ({
    name: `click on --engine ${row.kind}, instantiate + handle, median`,
    value: row.p50,
    unit: 'ms',
    baseline: base,
    baselineName: 'node engine',
    ratio: row.p50 / base,
    bar: 'a figure per engine (issue 10)',
    meets: null,
    note: row.description,
  }))));
}
