// Runs a WASI preview1 command module as a WAGI/CGI function: the request goes in as
// environment variables and stdin, the response comes back on stdout.
//
// node:wasi is Node's maintained WASI implementation. It only accepts real file descriptors
// for stdio, so the body and the output pass through two small temporary files.
// It crashes after some thousands of instances in one process unless Node runs with
// --no-turbo-fast-api-calls (nodejs/node issues 52402, 53087); callers that run many requests
// must start Node with that flag.

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

// request: { method, path, query, headers: {name: value}, body: string|Buffer, remoteAddr }
// options: { env: extra variables (secrets), preopens: { '/kv': hostDir } }
export async function runCgi(module, request, options = {}) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-cgi-'));
  const inPath = path.join(scratch, 'stdin');
  const outPath = path.join(scratch, 'stdout');
  const errPath = path.join(scratch, 'stderr');
  const body = Buffer.from(request.body ?? '');
  fs.writeFileSync(inPath, body);
  const stdin = fs.openSync(inPath, 'r');
  const stdout = fs.openSync(outPath, 'w');
  const stderr = fs.openSync(errPath, 'w');
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: ['function'],
      env: { ...cgiEnvironment(request, body.length), ...(options.env ?? {}) },
      preopens: options.preopens ?? {},
      stdin,
      stdout,
      stderr,
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    const exitCode = wasi.start(instance);
    const response = parseCgiOutput(fs.readFileSync(outPath));
    return { ...response, exitCode, stderr: fs.readFileSync(errPath, 'utf8') };
  } finally {
    for (const fd of [stdin, stdout, stderr]) fs.closeSync(fd);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
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
    if (name === 'status') status = Number.parseInt(value, 10);
    else headers.push([name, value]);
  }
  const body = buffer.subarray(Buffer.byteLength(text.slice(0, match.index + match[0].length), 'latin1'));
  return { status, headers, body: body.toString('utf8') };
}
