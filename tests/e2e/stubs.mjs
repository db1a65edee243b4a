// Small HTTP servers on 127.0.0.1 standing in for the advertiser's landing page and the
// affiliates' postback endpoints.
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

// A port that nothing listens on (yet): bound, read, released.
export async function freePort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
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
