// nginx answering every request with `return 302`: the HTTP baseline of the runner benchmarks,
// the least any web server does for a redirect. Loopback only, logs off, one worker process per
// core, in a temporary prefix that is removed on close.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port, deadlineMs) {
  while (Date.now() < deadlineMs) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

// -> { base, close() }
export async function startNginx() {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-nginx-'));
  const port = await freePort();
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), `
daemon off;
worker_processes auto;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { return 302 http://127.0.0.1/landing?tid=0; }
  }
}
`);
  const output = [];
  const child = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const failed = new Promise((resolve) => child.on('error', resolve).on('exit', resolve));
  const up = await Promise.race([listening(port, Date.now() + 10_000), failed.then(() => false)]);
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      await failed;
    }
    fs.rmSync(prefix, { recursive: true, force: true });
  };
  if (!up) {
    await close();
    throw new Error(`nginx did not start (bash tests/bootstrap.sh --bench installs it):\n${output.join('')}`);
  }
  return { base: `http://127.0.0.1:${port}`, close };
}
