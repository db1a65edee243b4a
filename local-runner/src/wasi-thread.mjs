// One thread of the WASI thread pool (wasi-thread-pool.mjs): holds the compiled modules it was
// started with and runs one instance at a time on node:wasi (wasi-instance.mjs), as asked.
import { parentPort, workerData } from 'node:worker_threads';
import { errorToMessage } from './thread-errors.mjs';
import { runWasi } from './wasi-instance.mjs';

const modules = workerData.modules;  // Map name -> WebAssembly.Module

parentPort.on('message', async ({ id, name, options }) => {
  try {
    const module = modules.get(name);
    if (!module) throw new Error(`function ${name} was not loaded`);
    const run = await runWasi(module, options);
    parentPort.postMessage({ id, result: { ...run, exhausted: run.exhausted && errorToMessage(run.exhausted) } });
  } catch (error) {
    parentPort.postMessage({ id, error: errorToMessage(error) });
  }
});
