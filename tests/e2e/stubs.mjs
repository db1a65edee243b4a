// Small HTTP servers on 127.0.0.1 standing in for the advertiser's landing page and the
// affiliates' postback endpoints.
import fs from 'node:fs';
import http from 'node:http';

export async function startStub({ status = 200, port = 0 } = {}) {
  const stub = { requests: [], status, server: null, port: 0 };
  stub.server = http.createServer((req, res) => {
    stub.requests.push({ method: req.method, url: new URL(req.url, 'http://stub'), headers: req.headers });
    res.writeHead(stub.status, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise((resolve) => stub.server.listen(port, '127.0.0.1', resolve));
  stub.port = stub.server.address().port;
  stub.url = (path) => `http://127.0.0.1:${stub.port}${path}`;
  stub.close = () => new Promise((resolve) => stub.server.close(resolve));
  return stub;
}

// A port that nothing listens on (yet), for a partner that is down. It is chosen below the
// kernel's ephemeral range, because a port handed out by listen(0) and released is soon handed
// out again: a runner or stub started later took it once, and the "down" partner answered 404.
export async function freePort() {
  const [ephemeralLow] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const low = 10000;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    const server = http.createServer();
    const bound = await new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  throw new Error(`no free port found in ${low}..${ephemeralLow - 1}`);
}

export async function waitFor(predicate, { timeoutMs = 15000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await predicate();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
