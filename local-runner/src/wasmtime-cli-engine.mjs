// --engine wasmtime: one `wasmtime run` child process per run, the `wasmtime` CLI found on PATH
// (or $EDGEPOST_WASMTIME): the same .wasm under the reference WASI runtime, exactly as
// docs/data-directory.md describes for `--dir DATA/kv::/kv`.

import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { checkFinished, runProcess } from './child-process.mjs';
import { Engine } from './engine-contract.mjs';
import { functionFile } from './function-files.mjs';

export function findWasmtime(env = process.env) {
  if (env.EDGEPOST_WASMTIME) {
    if (!isExecutable(env.EDGEPOST_WASMTIME)) {
      throw new Error(`EDGEPOST_WASMTIME=${env.EDGEPOST_WASMTIME} is not an executable file`);
    }
    return env.EDGEPOST_WASMTIME;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', 'wasmtime');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error('--engine wasmtime: no wasmtime executable on PATH; install it, set EDGEPOST_WASMTIME ' +
    'to its path, or use --engine wasmtime-engine (wasmtime\'s engine from npm) or --engine node');
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export class WasmtimeCliEngine extends Engine {
  static async create({ functionsDir, kvDir, secrets, functions, wasmtime, timeoutMs = 10_000 }) {
    const binary = wasmtime ?? findWasmtime();
    const files = new Map(functions.map((name) => [name, functionFile(functionsDir, name)]));
    const version = await runProcess(binary, ['--version'], { timeoutMs });
    if (version.exitCode !== 0) {
      throw new Error(`${binary} --version failed (exit code ${version.exitCode}): ${version.stderr.toString().trim()}`);
    }
    const description = `${version.stdout.toString().trim() || 'wasmtime'} (${binary})`;
    return new WasmtimeCliEngine({ binary, files, kvDir, secrets, timeoutMs, description });
  }

  constructor({ binary, files, kvDir, secrets, timeoutMs, description }) {
    super({ kind: 'wasmtime', description, kvDir, secrets });
    this.binary = binary;
    this.files = files;
    this.timeoutMs = timeoutMs;
  }

  // The argument list of `wasmtime run`. Variables are passed by name only (--env NAME:
  // wasmtime copies the value from its own environment, which run() sets): neither the request
  // (its query string carries the advertiser's security_token, its headers cookies) nor the
  // secrets ever appear on a command line, which any local user can read.
  commandLine(name, { env = {}, args = [], kv = true } = {}) {
    const file = this.files.get(name);
    if (!file) throw new Error(`function ${name} was not loaded`);
    const argv = ['run'];
    if (kv) argv.push('--dir', `${this.kvDir}::/kv`);
    for (const variable of Object.keys(env)) argv.push('--env', variable);
    argv.push(file, ...args);
    return argv;
  }

  async run(name, { args, env, stdin, kv }) {
    const run = checkFinished(await runProcess(this.binary, this.commandLine(name, { env, args, kv }), {
      stdin,
      env: { ...process.env, ...env },
      timeoutMs: this.timeoutMs,
    }), { engine: 'wasmtime', name, timeoutMs: this.timeoutMs });
    return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr.toString('utf8') };
  }
}
