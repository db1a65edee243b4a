// `cli.mjs serve`: puts the pieces together. Signing keys, engine (modules compiled once),
// HTTP server, config load, outbox dispatcher, expiry sweep; and the orderly stop.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runConfig, readConfigFile, describeResult } from './config-file.mjs';
import { createDashboardRoute } from './dashboard-route.mjs';
import { bannerLines, createDemoRoutes, DEMO_CONFIG_FILE, demoConfigText, publicOrigin } from './demo.mjs';
import { createEngine } from './engine.mjs';
import { EventsLog } from './events-log.mjs';
import { createRunnerServer } from './http-server.mjs';
import { KvDir } from './kv-dir.mjs';
import { LedgerLog } from './ledger-log.mjs';
import { OutboxDispatcher } from './outbox.mjs';
import { Sweeper } from './sweeper.mjs';
import { SweepThread } from './sweep-thread-client.mjs';
import { ExpiryIndex } from './expiry-index.mjs';
import { createExplainApi } from './explain-api.mjs';
import { createReportApi } from './report-api.mjs';
import { ReportStoreProcess } from './report-store-process.mjs';
import { ResourceHealth } from './resource-health.mjs';
import { settleRun } from './settle-run.mjs';
import { resolveSigningKeys } from './signing-keys.mjs';
import { targetJudge } from './target-policy.mjs';

export const READY_LINE = 'edgepost runner listening on';
const FORCE_CLOSE_AFTER_MS = 15_000;
// Reports also load events.log when asked for; this keeps the store close behind it meanwhile.
const REPORT_LOAD_INTERVAL_MS = 10_000;

export class StartupError extends Error {
  name = 'StartupError';

  constructor(message, lines = []) {
    super(message);
    this.lines = lines;  // details for the operator, e.g. every problem of an invalid config
  }
}

// The operator's status API is on only with a token long enough not to be guessed.
const MIN_ADMIN_TOKEN_BYTES = 16;
function adminSecret(env) {
  const token = env.EDGEPOST_ADMIN_TOKEN ?? '';
  if (token === '') return {};
  if (Buffer.byteLength(token) < MIN_ADMIN_TOKEN_BYTES) {
    throw new StartupError(`EDGEPOST_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_BYTES} bytes`);
  }
  return { EDGEPOST_ADMIN_TOKEN: token };
}

// options: what parseCommandLine returns for `serve`.
// io: { out(line), err(line), env, createEngine (tests put a fake engine here) }.
// Returns { origin, port, close() } once ready; throws StartupError (with the reasons in
// .lines) when it cannot start.
export async function startRunner(options, io = {}) {
  const out = io.out ?? ((line) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line) => process.stderr.write(`${line}\n`));
  const env = io.env ?? process.env;
  // The demo shows the dashboard: without a token of the operator's, it makes one for this run.
  const admin = adminSecret(env.EDGEPOST_ADMIN_TOKEN || !options.demo ? env
    : { EDGEPOST_ADMIN_TOKEN: crypto.randomBytes(18).toString('base64url') });

  const kvDir = path.join(options.dataDir, 'kv');
  fs.mkdirSync(kvDir, { recursive: true });
  const expiry = new ExpiryIndex(path.join(options.dataDir, 'expiry'), { log: err });
  const kv = new KvDir(kvDir, { onExpiring: (name, expiresAt) => expiry.add(name, expiresAt) });

  let keys;
  try {
    keys = resolveSigningKeys(options.dataDir, env);
  } catch (error) {
    throw new StartupError(error.message);
  }
  out(keys.message);

  const loadsConfig = options.demo || options.configFile;
  let engine;
  try {
    engine = await (io.createEngine ?? createEngine)({
      kind: options.engine,
      functionsDir: options.functionsDir,
      kvDir,
      // EDGEPOST_LEDGER_LOG: this host keeps the ledger log, so the functions leave the syncs of
      // by_answer writes to it (wasm/wasi/commands.cpp, ledger-log.mjs).
      secrets: { ...keys.env, ...admin, EDGEPOST_LEDGER_LOG: '1' },
      functions: ['click', 'postback', 'partner-target', ...(loadsConfig ? ['config'] : [])],
      threads: options.threads,
    });
  } catch (error) {
    throw new StartupError(error.message);
  }
  out(`engine ${engine.kind}: ${engine.description}; functions from ${options.functionsDir}`);

  const logFile = path.join(options.dataDir, 'events.log');
  const events = new EventsLog(logFile, { warn: err });
  // Before any function runs: what a runner stopped by a crash or a power cut had acknowledged.
  const ledger = new LedgerLog(path.join(options.dataDir, 'ledger'), kvDir, events, { warn: err });
  try {
    const replayed = await ledger.recover();
    if (replayed.writes || replayed.events) {
      out(`ledger: wrote again ${replayed.writes} writes and ${replayed.events} events from ${replayed.logs} logs of an earlier run`);
    }
  } catch (error) {
    throw new StartupError(`ledger log: ${error.message}`);
  }
  const reports = await openReports(path.join(options.dataDir, 'reports.duckdb'), err);
  let outbox = null;  // the partner-postback delivery, started once the config is loaded
  // What a function's run told its host (host-lines.mjs).
  const heard = ({ enqueued = [], expiring = [] }) => {
    outbox?.wake(enqueued);
    for (const { name, expiresAt } of expiring) expiry.add(name, expiresAt);
  };
  const reportSource = { reports: () => reports.store, unavailable: () => reports.problem, logFile };
  const reportApi = createReportApi({ ...reportSource, adminToken: admin.EDGEPOST_ADMIN_TOKEN ?? '' });
  const explainApi = createExplainApi({
    ...reportSource,
    runFunction: async (name, request) => {
      const result = await engine.cgi(name, request);
      const stored = await settleRun({ run: result, source: `${name}.wasm`, ledger, events, heard, durable: false, errorLog: err });
      if (!stored) throw new Error(`${name}.wasm: its ledger writes could not be stored`);
      if (result.exitCode !== 0) throw new Error(`${name}.wasm exited with code ${result.exitCode}`);
      return result;
    },
  });
  const adminApis = async (req, res, route) => (await reportApi(req, res, route)) || explainApi(req, res, route);
  const dashboard = createDashboardRoute({ warn: err });
  let ready = false;
  let demoRoutes = null;
  const health = new ResourceHealth({ log: err, probePath: kvDir });
  const server = createRunnerServer({
    engine,
    events,
    ledger,
    health,
    accessLog: out,
    errorLog: err,
    isReady: () => ready,
    trustedProxies: options.trustedProxies ?? [],
    onHostLines: heard,
    extra: async (req, res, route) => (await dashboard(req, res, route)) || (await adminApis(req, res, route)) ||
      (demoRoutes ? demoRoutes(req, res, route) : false),
  });

  // Listening comes before the config load because the demo config must name this runner's
  // actual port (--port 0). Until ready, requests are answered 503.
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new StartupError(`cannot listen on ${options.host}:${options.port}: ${error.message}`);
  }
  const port = server.address().port;
  const origin = publicOrigin(options.host, port);
  const closeServer = () => new Promise((resolve) => server.close(() => resolve()));

  try {
    if (loadsConfig) {
      const file = options.demo ? DEMO_CONFIG_FILE : options.configFile;
      const text = options.demo ? demoConfigText(origin) : readConfigFile(file);
      const result = await runConfig(engine, 'load', text);
      const lines = describeResult(file, 'load', result);
      if (!result.ok) throw new StartupError(`refusing to start: config ${file} is invalid`, lines);
      out(lines.join('\n'));
      if (options.demo) {
        const config = JSON.parse(text);
        demoRoutes = createDemoRoutes({ origin, config, dataDir: options.dataDir, onPartner: out });
        for (const line of bannerLines(origin, config)) out(line);
        out(`  4. reports and the explain view: ${origin}/dashboard (admin token ${env.EDGEPOST_ADMIN_TOKEN ? 'from EDGEPOST_ADMIN_TOKEN'
          : `for this run: ${admin.EDGEPOST_ADMIN_TOKEN}`})`);
      }
    } else if ((await kv.list('config/')).length === 0) {
      err(`warning: ${kvDir} holds no config records: every click will be refused until a config is loaded ` +
        '(--config FILE, or `config load FILE`)');
    }
  } catch (error) {
    await closeServer();
    await reports.store?.close();
    if (error instanceof StartupError) throw error;
    throw new StartupError(error.message);
  }

  outbox = new OutboxDispatcher(kv, {
    ...options.outbox,
    allowPrivateTargets: options.allowPrivateTargets,
    judge: targetJudge(engine),
    onEvent: (event) => {
      events.appendEvent(event);
      out(describeDelivery(event));
    },
    log: err,
    exhausted: (error, what) => health.failed(error, what),
  });
  outbox.start();

  const sweepThread = new SweepThread({ kvDir, indexDir: expiry.dir });
  const sweeper = new Sweeper({
    sweeps: sweepThread, index: expiry, intervalMs: options.sweepIntervalMs, out, err, failed: (error, what) => health.failed(error, what),
  });
  sweeper.start();

  let loadingReports = null;
  const loadReports = () => {
    if (!reports.store) return null;
    loadingReports ??= reports.store.load(logFile, { onSkip: (why) => err(`reports: skipped ${why}`) })
      .catch((error) => err(`reports: loading ${logFile} failed: ${error.message}`))
      .finally(() => { loadingReports = null; });
    return loadingReports;
  };
  loadReports();
  const reportTimer = setInterval(loadReports, REPORT_LOAD_INTERVAL_MS);

  if (options.allowPrivateTargets) out('outbox: private and loopback targets are allowed');
  if (options.trustedProxies?.length) out(`trusted proxies (X-Forwarded-For believed from): ${options.trustedProxies.join(', ')}`);
  ready = true;
  // The URL to reach it at; for a wildcard bind, what it is bound to as well.
  const bound = options.host === '0.0.0.0' || options.host === '::' ? ` (bound to ${options.host})` : '';
  out(`${READY_LINE} ${origin}${bound}`);

  let closing = null;
  // Stops accepting connections, lets the requests under way finish, stops the timers.
  const close = () => {
    closing ??= (async () => {
      clearInterval(reportTimer);
      const stopped = closeServer();
      // close() only drops the connections idle right now; a keep-alive connection whose
      // request is under way becomes idle later and would hold the stop for the keep-alive
      // timeout. So: drop connections as soon as they are idle, and all of them in the end.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_AFTER_MS);
      await Promise.all([stopped, outbox.stop(), sweeper.stop()]);
      sweeper.finish();
      // What it could not sync stays in its log, which the next start replays.
      await ledger.close().catch((error) => err(`ledger log: ${error.message}`));
      await sweepThread.close();
      clearInterval(idle);
      clearTimeout(force);
      await events.close();
      await loadingReports;
      await reports.store?.close();
      await engine.close?.();  // tests may hand in a fake engine without threads
    })();
    return closing;
  };
  return { origin, port, server, outbox, close };
}

// The reports are an aid, not the tracker: when their store cannot open (another serve holds
// it, no DuckDB on this platform), clicks and postbacks go on and /api/reports says why.
async function openReports(file, err) {
  try {
    return { store: await ReportStoreProcess.open(file), problem: null };
  } catch (error) {
    const problem = `reports are unavailable: ${error.message}`;
    err(`warning: ${problem}`);
    return { store: null, problem };
  }
}

function describeDelivery(event) {
  const what = `partner postback ${event.entry} (affiliate ${event.aff_id})`;
  if (event.outcome === 'delivered') return `outbox: delivered ${what}: HTTP ${event.status}, attempt ${event.attempts}`;
  if (event.outcome === 'dead') return `outbox: gave up on ${what}: ${event.error} (dead; \`outbox replay\` retries it)`;
  return `outbox: attempt ${event.attempts} of ${what} failed: ${event.error}; will retry`;
}
