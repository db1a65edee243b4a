// --engine node: node:wasi in this process; each module compiled once, instantiated per run
// (wasi-instance.mjs owns each run's descriptors and keeps stdio in memory). With threads > 0
// the runs go to that many worker threads (wasi-thread-pool.mjs), that many at once; with 0
// they run on this thread, one at a time (one-shot commands such as `config load`).
//
// One exception to the threads: a run that only computes (a click) and would be the engine's
// only run goes on this thread. Handing a run to a thread and its result back costs two thread
// wake-ups, which on this project's 2-core VM came to about 0.2 ms of a click's 0.6 ms (p50,
// one connection); a click on this thread answered at 0.44 ms. When other runs are under way,
// the click goes to a thread as before, so that clicks still use every core under load. A click
// here blocks this thread for its run (about 0.4 ms): a postback in a thread goes on meanwhile,
// only the HTTP front waits. (A click that never ended would hold the front where on a thread it
// would hold one thread; no engine run has a time limit on node:wasi, and a click's input is
// bounded and its decisions fuzzed.)

import os from 'node:os';
import { Engine } from './engine-contract.mjs';
import { functionFile } from './function-files.mjs';
import { compileFunction } from './wasi-cgi.mjs';
import { runWasi } from './wasi-instance.mjs';
import { WasiThreadPool } from './wasi-thread-pool.mjs';

export class NodeEngine extends Engine {
  static async create({ functionsDir, kvDir, secrets, functions, threads = 0 }) {
    const modules = new Map();
    for (const name of functions) modules.set(name, await compileFunction(functionFile(functionsDir, name)));
    return new NodeEngine(modules, kvDir, secrets, threads);
  }

  constructor(modules, kvDir, secrets, threads) {
    const where = threads > 0 ? `, ${threads} thread${threads === 1 ? '' : 's'}` : '';
    super({ kind: 'node', description: `node:wasi (Node.js ${process.version})${where}`, kvDir, secrets,
      concurrency: Math.max(1, threads), computeConcurrency: os.availableParallelism() });
    this.modules = modules;
    this.pool = threads > 0 ? new WasiThreadPool(modules, threads) : null;
    this.runsUnderWay = 0;
  }

  async run(name, { args, env, stdin, kv, computes = false }) {
    if (!this.modules.has(name)) throw new Error(`function ${name} was not loaded`);
    const options = { args: [name, ...args], env, preopens: kv ? { '/kv': this.kvDir } : {}, stdin };
    const here = !this.pool || (computes && this.runsUnderWay === 0);
    this.runsUnderWay += 1;
    try {
      const run = here ? await runWasi(this.modules.get(name), options) : await this.pool.run(name, options);
      return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, exhausted: run.exhausted };
    } finally {
      this.runsUnderWay -= 1;
    }
  }

  async close() {
    await this.pool?.close();
  }
}
