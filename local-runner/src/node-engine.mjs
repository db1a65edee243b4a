// --engine node: node:wasi in this process; each module compiled once, instantiated per run
// (wasi-instance.mjs owns each run's descriptors and keeps stdio in memory). With threads > 0
// the runs go to that many worker threads (wasi-thread-pool.mjs), that many at once; with 0
// they run on this thread, one at a time (one-shot commands such as `config load`).

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
  }

  async run(name, { args, env, stdin, kv }) {
    if (!this.modules.has(name)) throw new Error(`function ${name} was not loaded`);
    const options = { args: [name, ...args], env, preopens: kv ? { '/kv': this.kvDir } : {}, stdin };
    const run = this.pool ? await this.pool.run(name, options) : await runWasi(this.modules.get(name), options);
    return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, exhausted: run.exhausted };
  }

  async close() {
    await this.pool?.close();
  }
}
