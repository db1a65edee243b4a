// By hand: the runner's open descriptors and resident memory over a long mixed load (clicks,
// each followed by its postback), printed every `--every` requests. Not part of the test run.
//
//   cmake --workflow --preset wasi
//   EDGEPOST_FUNCTIONS_DIR=build/wasi/functions node tests/bench/runner-soak.mjs --requests 100000
//
// Options: --requests N (100000), --every N (10000), --concurrency N (16), --open-files N (256),
// --engine node|wasmtime.
import { parseArgs } from 'node:util';
import { mixedLoad, reportProcess, sample, startSoakNetwork } from '../e2e/soak-load.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    every: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    'open-files': { type: 'string', default: '256' },
    engine: { type: 'string', default: 'node' },
  },
});
const requests = Number(values.requests);
const every = Number(values.every);
const { runner, close } = await startSoakNetwork({ engine: values.engine, openFiles: Number(values['open-files']), outboxIntervalMs: 1000 });
const print = (sent, started) => {
  const { descriptors, rssKb } = sample(runner.pid);
  const reports = reportProcess(runner.pid);
  const reportsRss = reports ? `${(sample(reports).rssKb / 1024).toFixed(1).padStart(7)} MiB` : '    none';
  const rate = sent / ((Date.now() - started) / 1000);
  console.log(`${String(sent).padStart(8)} requests  ${String(descriptors).padStart(4)} descriptors  ` +
    `${(rssKb / 1024).toFixed(1).padStart(7)} MiB RSS  ${rate.toFixed(0).padStart(5)} req/s  report process ${reportsRss} RSS`);
};
console.log(`runner pid ${runner.pid}, engine ${values.engine}, open files limited to ${values['open-files']}, ` +
  `${values.concurrency} at a time`);
const started = Date.now();
let nextPrint = 100;
const result = await mixedLoad(runner.base, {
  requests,
  concurrency: Number(values.concurrency),
  onProgress: (sent) => {
    if (sent >= nextPrint) {
      print(sent, started);
      nextPrint = nextPrint === 100 ? every : nextPrint + every;
    }
  },
});
print(result.sent, started);
if (result.failures.length) {
  const alive = runner.child.exitCode === null && runner.child.signalCode === null;
  console.log(`failures:\n${result.failures.join('\n')}\nrunner ${alive ? 'still running' : `exited (${runner.child.exitCode ?? runner.child.signalCode})`}; ` +
    `its last lines:\n${runner.output.join('').split('\n').slice(-15).join('\n')}`);
}
await close();
process.exitCode = result.failures.length ? 1 : 0;
