// --engine jco: each run in a child Node process on jco's WASI implementation
// (@bytecodealliance/preview2-shim behind wasmtime's preview1 adapter), a WASI host written
// independently of node:wasi. The component is prepared once per function (jco-component.mjs);
// the child (jco-run.mjs) is started with nothing but the run's variables in its environment,
// and the request never appears on its command line.

import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { checkFinished, runProcess } from './child-process.mjs';
import { engineCacheDir } from './engine-cache.mjs';
import { Engine } from './engine-contract.mjs';
import { functionFile } from './function-files.mjs';
import { jcoVersion, prepareComponent, TRAP_EXIT_CODE } from './jco-component.mjs';
import { packageVersionOf } from './package-version.mjs';

const JCO_RUN = fileURLToPath(new URL('./jco-run.mjs', import.meta.url));

export class JcoEngine extends Engine {
  static async create({ functionsDir, kvDir, secrets, functions, timeoutMs = 10_000 }) {
    const cacheDir = engineCacheDir('jco');
    const components = new Map();
    for (const name of functions) components.set(name, await prepareComponent(functionFile(functionsDir, name), cacheDir));
    const shimVersion = packageVersionOf(import.meta.resolve('@bytecodealliance/preview2-shim'));
    const description = `jco ${await jcoVersion()} with preview2-shim ${shimVersion} (Node.js ${process.version})`;
    return new JcoEngine({ components, kvDir, secrets, timeoutMs, description });
  }

  constructor({ components, kvDir, secrets, timeoutMs, description }) {
    super({ kind: 'jco', description, kvDir, secrets });
    this.components = components;
    this.timeoutMs = timeoutMs;
  }

  // The child's arguments: the component, the /kv folder and the guest's own arguments (none
  // for a request); the request and the secrets go in its environment.
  commandLine(name, { args = [], kv }) {
    const dir = this.components.get(name);
    if (!dir) throw new Error(`function ${name} was not loaded`);
    return ['--no-warnings', JCO_RUN, dir, kv ? this.kvDir : '-', ...args];
  }

  async run(name, { args, env, stdin, kv }) {
    const run = checkFinished(await runProcess(process.execPath, this.commandLine(name, { args, kv }), {
      stdin,
      env,
      timeoutMs: this.timeoutMs,
      withStatusPipe: true,
    }), { engine: 'jco', name, timeoutMs: this.timeoutMs });
    const stderr = run.stderr.toString('utf8');
    if (run.exitCode === TRAP_EXIT_CODE && run.status.length > 0) {
      const error = new Error(`${name}: trapped on jco: ${JSON.parse(run.status.toString('utf8')).trap}`);
      error.stderr = stderr;
      throw error;
    }
    return { exitCode: run.exitCode, stdout: run.stdout, stderr };
  }
}
