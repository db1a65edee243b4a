// Shared by the runner's tests: temporary folders, a local HTTP stub, bounded waits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_WASM = fileURLToPath(new URL('./fixtures/env-echo.wasm', import.meta.url));
export const FAKE_WASMTIME = fileURLToPath(new URL('./fake-wasmtime.mjs', import.meta.url));
export const CLI = fileURLToPath(new URL('../cli.mjs', import.meta.url));

export function tempDir(t, name = 'edgepost-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// An HTTP server on 127.0.0.1 that records each request and answers with handler(req, res)
// (default 200 "ok").
export async function startStub(t, handler = (req, res) => res.end('ok')) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res, requests.length);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return { server, requests, origin: `http://127.0.0.1:${server.address().port}` };
}

// Polls `condition` until it is truthy; fails after timeoutMs.
export async function waitFor(condition, { timeoutMs = 5000, stepMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

// A raw HTTP request with a deadline. -> { status, headers, body }
export function request(url, { method = 'GET', headers = {}, body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Starts cli.mjs; collects its output lines. The child is killed when the test ends.
export function run(t, args, env = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, EDGEPOST_SIGNING_KEYS: '', EDGEPOST_SIGNING_KEY_ID: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => { output.stdout += chunk; });
  child.stderr.on('data', (chunk) => { output.stderr += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return { child, output, exited };
}

// `serve` on a free port, once it is ready. -> run's answer and origin
export async function serve(t, args, env) {
  const program = run(t, ['serve', '--port', '0', ...args], env);
  const line = await waitFor(() => /edgepost runner listening on (http:\/\/\S+)/.exec(program.output.stdout), {
    timeoutMs: 10_000, what: `the ready line (stderr so far: ${program.output.stderr})`,
  });
  return { ...program, origin: line[1] };
}
