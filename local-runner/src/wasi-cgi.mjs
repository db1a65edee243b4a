// Runs WASI preview1 command modules with node:wasi (through wasi-instance.mjs, which owns
// the descriptors of each run and keeps stdio in memory):
//   runCgi: as a WAGI/CGI function (request in environment variables and stdin, response on
//           stdout), for tests and cgi-request.mjs; the engines go through engine-contract.mjs.
//
// node:wasi crashes after some thousands of instances in one process unless Node runs with
// --no-turbo-fast-api-calls (nodejs/node issues 52402, 53087); callers that run many requests
// must start Node with that flag (local-runner/cli.mjs re-executes itself with it).

import fs from 'node:fs';
import { runWasi } from './wasi-instance.mjs';
import { importOwnMemory } from './wasm-memory-import.mjs';

// Compiled with its memory imported, so that its instances reuse memories already mapped.
export async function compileFunction(wasmPath) {
  return WebAssembly.compile(importOwnMemory(await fs.promises.readFile(wasmPath)).bytes);
}

// request: { method, path, query, headers: {name: value}, body: string|Buffer, remoteAddr }
// options: { env: extra variables (secrets), preopens: { '/kv': hostDir } }
// Returns { status, headers: [[name, value]], body, exitCode, stderr, exhausted } (exhausted:
// see runWasi).
export async function runCgi(module, request, options = {}) {
  const body = Buffer.from(request.body ?? '');
  const run = await runWasi(module, {
    args: ['function'],
    env: { ...cgiEnvironment(request, body.length), ...(options.env ?? {}) },
    preopens: options.preopens ?? {},
    stdin: body,
  });
  return { ...parseCgiOutput(run.stdout), exitCode: run.exitCode, stderr: run.stderr, exhausted: run.exhausted };
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
  // Set by the runner alone (a trusted proxy's CF-IPCountry); never from a header's HTTP_ name.
  if (request.country) env.CLIENT_COUNTRY = request.country;
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
