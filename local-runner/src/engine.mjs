// Engines run the edgepost functions (FUNCTIONS/<name>.wasm). Both have one interface:
//
//   engine.cgi(name, request)            -> { status, headers, body, exitCode, stderr, exhausted? }
//   engine.command(name, { args, stdin, kv }) -> { exitCode, stdout, stderr }
//
// request is the shape wasi-cgi.mjs takes: { method, path, query, headers, body, remoteAddr }.
// Every run sees the data directory's kv/ folder preopened as /kv (for a command only with
// kv: true) and the secrets (signing keys) as environment variables. `exhausted` (node only):
// an error when a file the function asked for could not be opened for want of descriptors.
//
//   node      node:wasi in this process; each module compiled once, instantiated per run.
//   wasmtime  one `wasmtime run` child process per run: the same .wasm under the reference
//             WASI runtime, exactly as docs/data-directory.md describes for `--dir DATA/kv::/kv`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { cgiEnvironment, compileFunction, parseCgiOutput, runCgi, runCommand } from './wasi-cgi.mjs';
import { MAX_OUTPUT_BYTES } from './wasi-instance.mjs';

export const ENGINES = ['node', 'wasmtime'];

export function functionFile(functionsDir, name) {
  const file = path.join(functionsDir, `${name}.wasm`);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: build the WASI functions first ` +
      '(cmake --workflow --preset wasi) or point --functions at the folder that has them');
  }
  return file;
}

// options: { kind, functionsDir, kvDir, secrets: {NAME: value}, functions: [names to load],
//            wasmtime: binary path (default: $EDGEPOST_WASMTIME or `wasmtime` on PATH),
//            timeoutMs: per run, wasmtime only }
export async function createEngine({ kind = 'node', ...options }) {
  if (kind === 'node') return NodeEngine.create(options);
  if (kind === 'wasmtime') return WasmtimeEngine.create(options);
  throw new Error(`unknown engine "${kind}" (use ${ENGINES.join(' or ')})`);
}

class NodeEngine {
  static async create({ functionsDir, kvDir, secrets = {}, functions }) {
    const modules = new Map();
    for (const name of functions) modules.set(name, await compileFunction(functionFile(functionsDir, name)));
    return new NodeEngine(modules, kvDir, secrets);
  }

  constructor(modules, kvDir, secrets) {
    this.kind = 'node';
    this.description = 'node:wasi';
    this.modules = modules;
    this.kvDir = kvDir;
    this.secrets = secrets;
  }

  #module(name) {
    const module = this.modules.get(name);
    if (!module) throw new Error(`function ${name} was not loaded`);
    return module;
  }

  async cgi(name, request) {
    return runCgi(this.#module(name), request, { env: this.secrets, preopens: { '/kv': this.kvDir } });
  }

  async command(name, { args = [], stdin = '', kv = false } = {}) {
    return runCommand(this.#module(name), {
      args: [name, ...args],
      stdin,
      preopens: kv ? { '/kv': this.kvDir } : {},
    });
  }
}

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
    'to its path, or use --engine node');
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

class WasmtimeEngine {
  static async create({ functionsDir, kvDir, secrets = {}, functions, wasmtime, timeoutMs = 10_000 }) {
    const binary = wasmtime ?? findWasmtime();
    const files = new Map(functions.map((name) => [name, functionFile(functionsDir, name)]));
    const version = await runProcess(binary, ['--version'], { timeoutMs });
    if (version.exitCode !== 0) {
      throw new Error(`${binary} --version failed (exit code ${version.exitCode}): ${version.stderr.toString().trim()}`);
    }
    const engine = new WasmtimeEngine(binary, files, kvDir, secrets, timeoutMs);
    engine.description = `${version.stdout.toString().trim() || 'wasmtime'} (${binary})`;
    return engine;
  }

  constructor(binary, files, kvDir, secrets, timeoutMs) {
    this.kind = 'wasmtime';
    this.binary = binary;
    this.files = files;
    this.kvDir = kvDir;
    this.secrets = secrets;
    this.timeoutMs = timeoutMs;
  }

  // The argument list of `wasmtime run`. Variables are passed by name only (--env NAME:
  // wasmtime copies the value from its own environment, which #run sets): neither the request
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

  async cgi(name, request) {
    const body = Buffer.from(request.body ?? '');
    const env = { ...cgiEnvironment(request, body.length), ...this.secrets };
    const run = await this.#run(name, this.commandLine(name, { env }), body, env);
    return { ...parseCgiOutput(run.stdout), exitCode: run.exitCode, stderr: run.stderr.toString('utf8') };
  }

  async command(name, { args = [], stdin = '', kv = false } = {}) {
    const run = await this.#run(name, this.commandLine(name, { args, kv }), Buffer.from(stdin));
    return { exitCode: run.exitCode, stdout: run.stdout.toString('utf8'), stderr: run.stderr.toString('utf8') };
  }

  async #run(name, argv, stdin, env = {}) {
    const run = await runProcess(this.binary, argv, {
      stdin,
      env: { ...process.env, ...env },
      timeoutMs: this.timeoutMs,
    });
    if (run.timedOut) throw new Error(`${name}: wasmtime did not finish within ${this.timeoutMs} ms (killed)`);
    if (run.tooMuchOutput) throw new Error(`${name}: more than ${MAX_OUTPUT_BYTES} bytes of output (killed)`);
    if (run.signal) throw new Error(`${name}: wasmtime was killed by ${run.signal}`);
    return run;
  }
}

// Runs a program to completion.
// -> { exitCode, signal, stdout: Buffer, stderr: Buffer, timedOut, tooMuchOutput }
export function runProcess(binary, argv, { stdin = Buffer.alloc(0), env = process.env, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let outBytes = 0;
    let timedOut = false;
    let tooMuchOutput = false;
    const collect = (chunks) => (chunk) => {
      outBytes += chunk.length;
      if (outBytes <= MAX_OUTPUT_BYTES) chunks.push(chunk);
      else if (!tooMuchOutput) {
        tooMuchOutput = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`cannot run ${binary}: ${error.message}`), { code: error.code }));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut, tooMuchOutput });
    });
    // A function that exits without reading its stdin closes the pipe: not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}
