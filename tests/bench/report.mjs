// The one table of tests/bench/run.sh: every row of the fast-path issue (11) with the figure
// measured in this run, its baseline from the same run, and whether it meets the bar. Reads
// what the benchmarks left in RESULTS_DIR:
//   native.json      Google Benchmark's JSON from edgepost_bench (CPU time per iteration)
//   *.rows.json      rows written by the HTTP and engine benchmarks ({name, value, unit,
//                    baseline, baselineName, ratio, bar, meets, note})
// and the function sizes from FUNCTIONS_DIR.
//
//   node tests/bench/report.mjs RESULTS_DIR FUNCTIONS_DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const [resultsDir, functionsDir] = process.argv.slice(2);
if (!resultsDir || !functionsDir) {
  console.error('usage: node tests/bench/report.mjs RESULTS_DIR FUNCTIONS_DIR');
  process.exit(2);
}

const rows = [];

function nativeRows() {
  const file = path.join(resultsDir, 'native.json');
  if (!fs.existsSync(file)) return [{ name: 'native benchmarks', missing: 'edgepost_bench did not run' }];
  const byName = new Map(JSON.parse(fs.readFileSync(file, 'utf8')).benchmarks.map((b) => [b.name, b]));
  const micros = (name) => {
    const b = byName.get(name);
    if (!b) return NaN;
    return b.cpu_time * { ns: 1e-3, us: 1, ms: 1e3 }[b.time_unit];
  };
  const hmac = micros('BM_Baseline_HmacSha256PreparedKey');
  const row = (name, value, limit, baseline, baselineName) => ({
    name, value, unit: 'µs', bar: `<= ${limit} µs`, meets: value <= limit, baseline, baselineName,
    ratio: baseline ? value / baseline : undefined,
  });
  // "decoded": each request decodes its config records (a WASI function, an instance per request);
  // "cached": they stay decoded between requests (a Worker's isolate, config_cache.hpp).
  return [
    row('native click plan+decide, records cached', micros('BM_Click_PlanAndDecideCached'), 3, hmac, 'HMAC of an ID'),
    row('native click plan+decide, records decoded', micros('BM_Click_PlanAndDecide'), 3, hmac, 'HMAC of an ID'),
    row('native postback plan+decide, records cached', micros('BM_Postback_PlanAndDecideCached'), 6, hmac, 'HMAC of an ID'),
    row('native postback plan+decide, records decoded', micros('BM_Postback_PlanAndDecide'), 6, hmac, 'HMAC of an ID'),
    { name: 'read the compiled offer record (was: parse + validate its JSON)', value: micros('BM_Baseline_ParseOfferRecord'), unit: 'µs',
      bar: 'not on the request path', meets: true, note: 'validation runs at config load; a Worker isolate decodes it once' },
    row('query parse (baseline primitive)', micros('BM_Baseline_ParseQuery'), 0.3),
    row('HMAC of an ID, key prepared (baseline primitive)', hmac, 0.8, micros('BM_Baseline_HmacSha256'), 'HMAC, key not prepared'),
  ];
}

function sizeRows() {
  return ['click', 'postback'].map((name) => {
    const bytes = fs.readFileSync(path.join(functionsDir, `${name}.wasm`));
    const gz = zlib.gzipSync(bytes, { level: 9 }).length;
    return {
      name: `${name}.wasm after wasm-opt`, value: bytes.length / 1024, unit: 'KiB', bar: '<= 150 KB (<= 60 KB gz)',
      meets: bytes.length <= 150 * 1000 && gz <= 60 * 1000, note: `${(gz / 1024).toFixed(1)} KiB gzip`,
    };
  });
}

function writtenRows() {
  return fs.readdirSync(resultsDir).filter((f) => f.endsWith('.rows.json')).sort()
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8')));
}

rows.push(...nativeRows(), ...sizeRows(), ...writtenRows());

const format = (n) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3)) : '-');
console.log(`edgepost benchmark report, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores ` +
  `(${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
console.log('| what | measured | baseline, same run | ratio | bar | meets |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.missing) {
    console.log(`| ${r.name} | ${r.missing} | | | | no |`);
    continue;
  }
  const measured = `${format(r.value)} ${r.unit}${r.note ? ` (${r.note})` : ''}`;
  const baseline = r.baseline === undefined ? '' : `${format(r.baseline)} ${r.baselineUnit ?? r.unit} (${r.baselineName})`;
  const ratio = r.ratio === undefined ? '' : `${format(r.ratio)}x`;
  const meets = r.meets === null ? '-' : r.meets ? 'yes' : 'no';
  console.log(`| ${r.name} | ${measured} | ${baseline} | ${ratio} | ${r.bar} | ${meets} |`);
}
