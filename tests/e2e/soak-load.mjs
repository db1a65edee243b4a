// Sustained mixed load on a runner, shared by the soak test (tests/e2e/soak.test.mjs) and the
// by-hand measurement (tests/bench/runner-soak.mjs): clicks, each followed by the advertiser's
// postback for it (a new conversion every time), `concurrency` requests at a time.
import fs from 'node:fs';
import http from 'node:http';
import { networkConfig, SIGNING_ENV, TOKEN } from './network.mjs';
import { makeDataDir, startRunner, writeConfig } from './runner-target.mjs';
import { startStub } from './stubs.mjs';

// Open descriptors and resident memory of a process.
export function sample(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { descriptors: fs.readdirSync(`/proc/${pid}/fd`).length, rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) };
}

// The runner's report store process (local-runner/src/report-process.mjs), or null.
export function reportProcess(pid) {
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  return children.find((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('report-process.mjs');
    } catch {
      return false;  // exited meanwhile
    }
  }) ?? null;
}

// GET; resolves { status, headers, body }.
export function get(agent, url, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, timeout: timeoutMs }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms: ${url}`)));
    request.on('error', reject);
  });
}

// A runner (open files limited to `openFiles` when given) on the e2e network, with its landing page and
// partner stubs. -> { runner, partner, dataDir, close() }
export async function startSoakNetwork({ engine = 'node', env = {}, openFiles, outboxIntervalMs = 50, flags = [] }) {
  const landing = await startStub();
  const partner = await startStub();
  const dataDir = makeDataDir();
  const configFile = writeConfig(dataDir, networkConfig({ landing: landing.url('/landing'), partner: (aff) => partner.url(`/partner/${aff}`) }));
  const runner = await startRunner({
    dataDir,
    configFile,
    prefix: openFiles ? ['prlimit', `--nofile=${openFiles}:${openFiles}`, '--'] : [],
    flags: ['--engine', engine, '--outbox-interval-ms', String(outboxIntervalMs), '--outbox-timeout-ms', '2000', ...flags],
    env: { ...SIGNING_ENV, ...env },
  });
  const close = async () => {
    await runner.stop();
    await Promise.all([landing.close(), partner.close()]);
  };
  return { runner, partner, dataDir, close };
}

// Sends `requests` requests (half clicks, half postbacks). onProgress(sent) is called after each
// pair; a request unanswered after answerWithinMs fails. -> { failures: [text], sent, seconds };
// stops early after 10 failures.
export async function mixedLoad(base, { requests, concurrency, answerWithinMs = 10_000, onProgress = () => {} }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const failures = [];
  const pairs = requests / 2;
  let sent = 0;
  let next = 0;
  const started = Date.now();
  const pair = async (i) => {
    const click = await get(agent, `${base}/click?offer_id=100&aff_id=7&aff_sub=soak-${i}`, answerWithinMs);
    if (click.status !== 302) failures.push(`click ${i}: ${click.status} ${click.body}`);
    const tid = click.status === 302 ? new URL(click.headers.location).searchParams.get('tid') : 'none';
    const postback = await get(agent, `${base}/postback?transaction_id=${tid}&security_token=${TOKEN}&adv_sub=order-${i}`, answerWithinMs);
    if (postback.status !== 200 || JSON.parse(postback.body).status !== 'approved') {
      failures.push(`postback ${i}: ${postback.status} ${postback.body}`);
    }
    sent += 2;
    onProgress(sent);
  };
  try {
    // `concurrency` workers, each with one request under way at any time.
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < pairs && failures.length < 10) {
        const i = next++;
        await pair(i).catch((error) => failures.push(`pair ${i}: ${error.code ?? error.message}`));
      }
    }));
  } finally {
    agent.destroy();
  }
  return { failures, sent, seconds: (Date.now() - started) / 1000 };
}
