// Runs WASI preview1 command modules with node:wasi:
//   runCgi:     as a WAGI/CGI function (request in environment variables and stdin, response
//               on stdout);
//   runCommand: as a plain command (arguments, stdin, stdout, exit code), e.g. config.wasm.
//
// node:wasi is Node's maintained WASI implementation. It only accepts real file descriptors
// for stdio, so stdin, stdout and stderr pass through three small temporary files.
// It crashes after some thousands of instances in one process unless Node runs with
// --no-turbo-fast-api-calls (nodejs/node issues 52402, 53087); callers that run many requests
// must start Node with that flag (local-runner/cli.mjs re-executes itself with it).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

// node:wasi announces itself as experimental when it loads; the runner's output is for people.
// A static import would load it before this filter exists.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning?.message ?? warning).startsWith('WASI is an experimental feature')) return;
  emitWarning(warning, ...rest);
};
const { WASI } = await import('node:wasi');

export async function compileFunction(wasmPath) {
  return WebAssembly.compile(await fs.promises.readFile(wasmPath));
}

// A fresh instance of `module` runs to completion with the given arguments, environment,
// preopened directories ({ '/kv': hostDir }) and stdin bytes.
// Returns { exitCode, stdout: Buffer, stderr: string }. A trap (or any other failure to run)
// throws; the error carries what the module had written to stderr as `error.stderr`.
export async function runWasi(module, { args = ['function'], env = {}, preopens = {}, stdin = '' } = {}) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-wasi-'));
  const inPath = path.join(scratch, 'stdin');
  const outPath = path.join(scratch, 'stdout');
  const errPath = path.join(scratch, 'stderr');
  fs.writeFileSync(inPath, Buffer.from(stdin));
  const fds = [];
  try {
    fds.push(fs.openSync(inPath, 'r'), fs.openSync(outPath, 'w'), fs.openSync(errPath, 'w'));
    const wasi = new WASI({
      version: 'preview1',
      args,
      env,
      preopens,
      stdin: fds[0],
      stdout: fds[1],
      stderr: fds[2],
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    let exitCode;
    try {
      exitCode = wasi.start(instance) ?? 0;
    } catch (error) {
      error.stderr = fs.readFileSync(errPath, 'utf8');
      throw error;
    }
    return { exitCode, stdout: fs.readFileSync(outPath), stderr: fs.readFileSync(errPath, 'utf8') };
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

// request: { method, path, query, headers: {name: value}, body: string|Buffer, remoteAddr }
// options: { env: extra variables (secrets), preopens: { '/kv': hostDir } }
// Returns { status, headers: [[name, value]], body, exitCode, stderr }.
export async function runCgi(module, request, options = {}) {
  const body = Buffer.from(request.body ?? '');
  const run = await runWasi(module, {
    args: ['function'],
    env: { ...cgiEnvironment(request, body.length), ...(options.env ?? {}) },
    preopens: options.preopens ?? {},
    stdin: body,
  });
  return { ...parseCgiOutput(run.stdout), exitCode: run.exitCode, stderr: run.stderr };
}

// A plain WASI command: args[0] is the program name, e.g. ['config', 'validate'].
// Returns { exitCode, stdout: string, stderr: string }.
export async function runCommand(module, { args, stdin = '', env = {}, preopens = {} } = {}) {
  if (!Array.isArray(args) || args.length === 0) throw new Error('runCommand needs args, starting with the program name');
  const run = await runWasi(module, { args, env, preopens, stdin });
  return { exitCode: run.exitCode, stdout: run.stdout.toString('utf8'), stderr: run.stderr };
}

export function cgiEnvironment(request, bodyLength) {
  const env = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: request.method ?? 'GET',
    PATH_INFO: request.path ?? '/',
    QUERY_STRING: request.query ?? '',
    REMOTE_ADDR: request.remoteAddr ?? '',
  };
  if (bodyLength > 0) env.CONTENT_LENGTH = String(bodyLength);
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') env.CONTENT_TYPE = value;
    // "Proxy: x" would become HTTP_PROXY, which many programs read as their proxy ("httpoxy").
    else if (lower === 'proxy') continue;
    else if (lower !== 'content-length') env[`HTTP_${lower.replace(/-/g, '_').toUpperCase()}`] = value;
  }
  return env;
}

// "Status: 302 Found\nLocation: ...\n\nbody" -> { status, headers: [[name, value]], body }
export function parseCgiOutput(buffer) {
  const text = buffer.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) throw new Error('CGI output has no end of headers');
  const headers = [];
  let status = 200;
  for (const line of text.slice(0, match.index).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed CGI header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') {
      status = Number.parseInt(value, 10);
      if (!(status >= 100 && status <= 599)) throw new Error(`malformed CGI Status header: ${JSON.stringify(value)}`);
    } else headers.push([name, value]);
  }
  const body = buffer.subarray(Buffer.byteLength(text.slice(0, match.index + match[0].length), 'latin1'));
  return { status, headers, body: body.toString('utf8') };
}
