// Helpers of the hostile-input and fault suites: a runner started with its own environment
// (signing keys, trusted proxies) and optionally under a wrapper command (a mount namespace),
// raw HTTP requests that fetch() would refuse or normalize, and a partner stub that keeps the
// request target exactly as it arrived.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeKey } from '../../local-runner/src/kv-dir.mjs';
import { functionsDir } from './functions.mjs';
import { SIGNING_ENV } from './network.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(repo, 'local-runner/cli.mjs');
// The flag cli.mjs would re-execute itself with: given here, the spawned process IS the server
// (no relaying parent), so its pid is the one to SIGKILL or to read VmRSS of.
const NODE_ARGS = ['--no-turbo-fast-api-calls', CLI];

// prefix: a wrapper command that ends by exec'ing its arguments (e.g. bash faults-mount.sh ...).
export async function spawnRunner({ dataDir, configFile, flags = [], env = SIGNING_ENV, prefix = [], allowPrivate = true }) {
  const args = [...NODE_ARGS, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir,
    '--functions', functionsDir, ...(allowPrivate ? ['--allow-private-targets'] : []),
    ...(configFile ? ['--config', configFile] : []), ...flags];
  const [command, ...commandArgs] = prefix.length ? [...prefix, process.execPath, ...args] : [process.execPath, ...args];
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start:\n${output.join('')}`)), 30000);
    const onData = () => {
      const match = /edgepost runner listening on (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code}:\n${output.join('')}`));
    });
  });
  return {
    base,
    child,
    pid: child.pid,
    output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 15000))]);
      if (result === null) {
        child.kill('SIGKILL');
        throw new Error('runner did not stop within 15 s');
      }
      return result;
    },
  };
}

// Every file of DATA/kv (names as on disk), and the keys they decode to (null: not a key).
export function kvFiles(dataDir) {
  return fs.readdirSync(path.join(dataDir, 'kv')).map((name) => ({ name, key: decodeKey(name) }));
}

export function storedKeys(dataDir) {
  return kvFiles(dataDir).filter((f) => !f.name.startsWith('.')).map((f) => f.key).sort();
}

// Sends `head` (request line and headers, CRLF already in it) and `body` bytes as they are.
// -> { status, headers (raw text), body }.
export function rawRequest(base, head, body = Buffer.alloc(0), { timeoutMs = 10000 } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    // Not end(): a half-closed socket may be dropped before the answer. The server closes
    // (Connection: close, or after an error answer).
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body])));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      // The server may answer and close before it read everything we sent (413, 431).
      if (chunks.length === 0) {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const headers = split < 0 ? text : text.slice(0, split);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(headers);
      resolve({ status: match ? Number(match[1]) : null, headers, body: split < 0 ? '' : text.slice(split + 4) });
    });
  });
}

// A partner endpoint that records the raw request target. behaviour(req, res) may answer
// late or never (a hanging partner); by default 200 at once.
export async function startRawStub(behaviour) {
  const stub = { requests: [], sockets: new Set() };
  stub.server = http.createServer((req, res) => {
    stub.requests.push({ rawUrl: req.url, headers: req.headers, time: Date.now() });
    if (behaviour) behaviour(req, res);
    else res.end('ok');
  });
  stub.server.on('connection', (socket) => {
    stub.sockets.add(socket);
    socket.on('close', () => stub.sockets.delete(socket));
  });
  await new Promise((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
  stub.port = stub.server.address().port;
  stub.url = (p) => `http://127.0.0.1:${stub.port}${p}`;
  stub.close = () => new Promise((resolve) => {
    for (const socket of stub.sockets) socket.destroy();
    stub.server.close(resolve);
  });
  return stub;
}

export async function getJson(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: response.status, body, text, headers: response.headers };
}
