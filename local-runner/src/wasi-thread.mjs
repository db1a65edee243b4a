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
    // Moved, not copied: a small Buffer is a view of an 8 KiB pool that a clone would copy whole.
    const stdout = new Uint8Array(run.stdout);
    parentPort.postMessage({ id, result: { ...run, stdout, exhausted: run.exhausted && errorToMessage(run.exhausted) } }, [stdout.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: errorToMessage(error) });
  }
});
