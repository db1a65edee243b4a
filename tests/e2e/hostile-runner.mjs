// Helpers of the hostile-input and fault suites: a runner started with its own environment
// (signing keys, trusted proxies) and optionally under a wrapper command (a mount namespace),
// raw HTTP requests that fetch() would refuse or normalize, and a partner stub that keeps the
// request target exactly as it arrived. The raw requests and stubs serve the Worker's suite too.
import http from 'node:http';
import net from 'node:net';
// Starting the runner and reading its data directory are shared with the scenarios' target.
export { CLI, kvFiles, startRunner as spawnRunner, storedKeys } from './runner-target.mjs';

// Sends `head` (request line and headers, CRLF already in it) and `body` bytes as they are.
// The answer is complete at its Content-Length or when the server closes: workerd keeps a
// "Connection: close" socket open for seconds, Node's parser errors carry no length.
// -> { status, headers (raw text), body }.
export function rawRequest(base, head, body = Buffer.alloc(0), { timeoutMs = 10000 } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let data = Buffer.alloc(0);
    const finish = (error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) return reject(error);
      const text = data.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const headers = split < 0 ? text : text.slice(0, split);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(headers);
      return resolve({ status: match ? Number(match[1]) : null, headers, body: split < 0 ? '' : text.slice(split + 4) });
    };
    const timer = setTimeout(() => finish(new Error(`raw request timed out: ${head.split('\r\n')[0]}`)), timeoutMs);
    // Not end(): a half-closed socket may be dropped before the answer.
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body])));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(data.subarray(0, split).toString('latin1'));
      if (length && data.length >= split + 4 + Number(length[1])) finish();
    });
    // The server may answer and close before it read everything we sent (413, 431).
    socket.on('error', (error) => (data.length ? finish() : finish(error)));
    socket.on('close', () => finish());
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
