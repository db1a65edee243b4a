// wrk, the HTTP load generator of the benchmarks, and its summary read back as numbers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const UNIT_MS = { us: 0.001, ms: 1, s: 1000 };

// wrk's output. Asynchronous on purpose: a server in this process (Miniflare relays the
// workerd's logs through it) must go on being served while wrk runs.
function run(args) {
  return new Promise((resolve) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', (error) => resolve({ error, stdout, stderr }));
    child.on('close', () => resolve({ stdout, stderr }));
  });
}

// -> { rate (req/s), requests, bad (non-2xx/3xx answers), p50Ms }
// paths: when given, request i goes to paths[i] (in order, wrapping around), through a Lua script.
export async function wrk(url, { seconds, connections, paths }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  let scriptDir;
  if (paths) {
    scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-wrk-'));
    const script = path.join(scriptDir, 'paths.lua');
    fs.writeFileSync(script, `local paths = {\n${paths.map((p) => `  ${JSON.stringify(p)},`).join('\n')}\n}\n` +
      'local i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(nil, paths[((i - 1) % #paths) + 1])\nend\n');
    args.push('-s', script);
  }
  try {
    const output = await run([...args, url]);
    if (output.error) throw new Error(`wrk: ${output.error.message} (bash tests/bootstrap.sh --bench installs it)`);
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(output.stdout)?.[1]);
    if (!Number.isFinite(rate)) throw new Error(`wrk printed no rate:\n${output.stdout}${output.stderr}`);
    const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(output.stdout);
    return {
      rate,
      requests: Number(/(\d+) requests in/.exec(output.stdout)?.[1]),
      bad: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output.stdout)?.[1] ?? 0),
      p50Ms: p50 ? Number(p50[1]) * UNIT_MS[p50[2]] : NaN,
    };
  } finally {
    if (scriptDir) fs.rmSync(scriptDir, { recursive: true, force: true });
  }
}
