// --engine node: node:wasi in this process; each module compiled once, instantiated per run
// (wasi-instance.mjs owns each run's descriptors and keeps stdio in memory).

import { Engine } from './engine-contract.mjs';
import { functionFile } from './function-files.mjs';
import { compileFunction } from './wasi-cgi.mjs';
import { runWasi } from './wasi-instance.mjs';

export class NodeEngine extends Engine {
  static async create({ functionsDir, kvDir, secrets, functions }) {
    const modules = new Map();
    for (const name of functions) modules.set(name, await compileFunction(functionFile(functionsDir, name)));
    return new NodeEngine(modules, kvDir, secrets);
  }

  constructor(modules, kvDir, secrets) {
    super({ kind: 'node', description: `node:wasi (Node.js ${process.version})`, kvDir, secrets });
    this.modules = modules;
  }

  async run(name, { args, env, stdin, kv }) {
    const module = this.modules.get(name);
    if (!module) throw new Error(`function ${name} was not loaded`);
    const run = await runWasi(module, { args: [name, ...args], env, preopens: kv ? { '/kv': this.kvDir } : {}, stdin });
    return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, exhausted: run.exhausted };
  }
}
