// Command-line parsing for cli.mjs: which command, its options with defaults, checked values.
// Errors are thrown as UsageError with a sentence that names the option.

import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseCidr } from './client-address.mjs';
import { ENGINES } from './engine.mjs';
import { DEFAULTS as OUTBOX } from './outbox.mjs';

// The report API's parameters, taken as options of the same names by `report`.
const REPORT_PARAMETERS = ['from', 'to', 'tz', 'group_by', 'offer_id', 'aff_id', 'advertiser_id', 'format'];

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_FUNCTIONS_DIR = path.join(REPO_ROOT, 'build/wasi/functions');
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, 'local-runner/data');  // git-ignored
// Four per core: a postback spends most of its run waiting for its fsyncs, and runs that wait
// together share the file system's journal commits (on 2 cores, 32 connections: 178 postbacks
// a second with 2 threads, 260 with 8). Clicks, which only compute, still run one per core
// (http-server.mjs).
export const DEFAULT_THREADS = Math.min(32, 4 * os.availableParallelism());

export class UsageError extends Error {
  name = 'UsageError';
}

export const HELP = `edgepost local runner: serves the edgepost WASI functions over HTTP, keeps their data
directory, delivers partner postbacks.

Usage:
  node local-runner/cli.mjs serve [options]
  node local-runner/cli.mjs config validate FILE [--functions DIR] [--engine ENGINE]
  node local-runner/cli.mjs config load FILE [--data DIR] [--functions DIR] [--engine ENGINE]
  node local-runner/cli.mjs outbox list [--data DIR] [--state pending|delivered|dead]
  node local-runner/cli.mjs outbox replay [--data DIR] (ID... | --all-dead)
  node local-runner/cli.mjs report [--data DIR | --url ORIGIN] [--from DATE] [--to DATE] [--tz ZONE]
                                   [--group_by FIELDS] [--offer_id IDS] [--aff_id IDS]
                                   [--advertiser_id IDS] [--format table|json|csv]
  node local-runner/cli.mjs explain ID [--data DIR | --url ORIGIN] [--json]
  node local-runner/cli.mjs reports rebuild [--data DIR]
  node local-runner/cli.mjs --help

serve
  Loads --config (if given) through config.wasm, refusing to start if it is invalid, then serves:
    GET|HEAD /click     (alias /aff_c)     click.wasm: records the click, redirects (302)
    GET|POST /postback  (alias /aff_lsr)   postback.wasm: records the conversion (JSON answer)
    GET|HEAD /healthz                       200 "ok"; 503 JSON while out of a resource (open files, memory)
    GET|HEAD /dashboard                     the reports dashboard: a page that asks for the admin token
                                            and shows GET /api/reports and /api/explain/ID
  Before any function runs: request target over 8392 bytes -> 414, body over 65536 bytes -> 413,
  10 s to receive a request -> 408. REMOTE_ADDR is the TCP peer; X-Forwarded-For is ignored
  unless the peer is a --trusted-proxy.
  One access-log line per request on stdout; the functions' events go to DATA/events.log.
  Prints "edgepost runner listening on http://HOST:PORT" when ready. SIGINT/SIGTERM: stops
  accepting, finishes the requests under way, exits 0.

  --host HOST                  address to listen on (default 127.0.0.1)
  --port N                     port (default 8080; 0 picks a free one)
  --data DIR                   data directory (default local-runner/data of the repository);
                               DIR/kv is the functions' /kv
  --config FILE                config JSON to validate and load before serving
  --functions DIR              folder of click.wasm, postback.wasm, config.wasm
                               (default build/wasi/functions of the repository)
  --engine ENGINE              the WASI host that runs each request:
                               node             node:wasi in this process (default)
                               wasmtime         one \`wasmtime run\` per request (the wasmtime
                                                CLI: $EDGEPOST_WASMTIME or PATH)
                               wasmtime-engine  wasmtime's engine inside the pinned wizer binary
                                                (npm), one child process per request
                               jco              jco's preview2-shim, one child Node per request
  --threads N                  node engine: requests run on N worker threads, N at once, clicks
                               at most one per core (default: four per core available, at most
                               32; ${DEFAULT_THREADS} here), a click with no other run under way
                               on the main thread; 0: all on the main thread, one at a time
  --allow-private-targets      deliver partner postbacks to private/loopback addresses too
  --trusted-proxy CIDR         a reverse proxy in front of the runner (repeatable; default none).
                               Only when the TCP peer is inside one of these ranges is the
                               right-most X-Forwarded-For address that is not itself a trusted
                               proxy used as REMOTE_ADDR (the advertisers' IP allowlists), and
                               its CF-IPCountry as the visitor's country (traffic rules)
  --outbox-interval-ms N       how often due entries are looked for (default ${OUTBOX.intervalMs})
  --outbox-rescan-ms N         how often the whole outbox is listed, as a backstop for entries
                               no wake announced (default ${OUTBOX.rescanMs})
  --outbox-base-delay-ms N     first retry delay; doubles per attempt, +-20% jitter, at most
                               1 hour (default ${OUTBOX.baseDelayMs})
  --outbox-max-attempts N      attempts before an entry is dead (default ${OUTBOX.maxAttempts})
  --outbox-timeout-ms N        timeout of one delivery (default ${OUTBOX.timeoutMs})
  --sweep-interval-ms N        how often expired records are deleted (default 60000)
  --demo                       load demo/config.json (offers and partner postbacks point at this
                               runner), serve /demo, /demo/landing and /demo/partner/<aff_id>,
                               allow private targets, print a tracking link and a postback command

  Signing keys: EDGEPOST_SIGNING_KEYS ("id:hexsecret[,...]", secrets of 32+ bytes) and
  EDGEPOST_SIGNING_KEY_ID (the minting key). Without them, serve generates one key (id 1) on
  first run, keeps it in DATA/signing-key (mode 600) and reuses it afterwards.
  Operator API: EDGEPOST_ADMIN_TOKEN (16+ bytes) turns on POST /api/conversions/{id}/status
  (Authorization: Bearer <token>); without it the API answers 401.

config validate FILE     checks FILE with config.wasm; prints the problems; exit 1 if invalid
config load FILE         validates FILE and writes its records into DATA/kv; exit 1 if invalid

outbox list              one line per partner postback: ID, state, attempts, URL (tab-separated)
  --state S              only pending, delivered or dead entries
outbox replay ID...      puts dead entries back in the queue (pending, 0 attempts, due now);
  --all-dead             every dead entry
  A running \`serve\` on the same data directory picks them up at its next scan.

report                   the report of GET /api/reports, same parameters as options: clicks,
                         conversions by status, revenue, payout, profit, conversion rate, EPC per
                         currency, from DATE to DATE (inclusive, default the last 7 days) in ZONE
                         (default UTC), grouped by FIELDS (day, hour, offer, affiliate, goal,
                         status, aff_sub..aff_sub5, source; default day). --format table (default)
                         prints columns, json and csv what the API answers. Reads DATA/reports.duckdb
                         (loading events.log first); while serve has it open, ask the running
                         runner instead: --url http://HOST:PORT (EDGEPOST_ADMIN_TOKEN in the
                         environment)
explain ID               what GET /api/explain/ID answers: the ID checked with the signing keys
                         (DATA/signing-key or EDGEPOST_SIGNING_KEYS), its click, every postback that
                         named it, its conversions, partner deliveries, and a paragraph for
                         support; --json prints the answer as JSON. --url as for report
reports rebuild          deletes DATA/reports.duckdb and loads it again from DATA/events.log

Exit codes: 0 success, 1 failure (invalid config, entry not replayable ...), 2 usage error.
`;

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string' },
  functions: { type: 'string' },
  engine: { type: 'string' },
};

const SERVE = {
  ...COMMON,
  host: { type: 'string' },
  port: { type: 'string' },
  config: { type: 'string' },
  'allow-private-targets': { type: 'boolean' },
  'trusted-proxy': { type: 'string', multiple: true },
  'outbox-interval-ms': { type: 'string' },
  'outbox-rescan-ms': { type: 'string' },
  'outbox-base-delay-ms': { type: 'string' },
  'outbox-max-attempts': { type: 'string' },
  'outbox-timeout-ms': { type: 'string' },
  threads: { type: 'string' },
  'sweep-interval-ms': { type: 'string' },
  demo: { type: 'boolean' },
};

const REPORT_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string' },
  url: { type: 'string' },
  functions: { type: 'string' },
  engine: { type: 'string' },
  json: { type: 'boolean' },
  ...Object.fromEntries(REPORT_PARAMETERS.map((name) => [name, { type: 'string' }])),
};

const OUTBOX_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string' },
  state: { type: 'string' },
  'all-dead': { type: 'boolean' },
};

function parse(args, options, allowPositionals) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
}

function integerOption(values, name, fallback, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const text = values[name];
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${text}"`);
  }
  return Number(text);
}

function engineOption(values) {
  const engine = values.engine ?? 'node';
  if (!ENGINES.includes(engine)) throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}, not "${engine}"`);
  return engine;
}

function trustedProxiesOption(values) {
  const cidrs = values['trusted-proxy'] ?? [];
  for (const text of cidrs) {
    try {
      parseCidr(text);
    } catch (error) {
      throw new UsageError(`--trusted-proxy: ${error.message}`);
    }
  }
  return cidrs;
}

const common = (values) => ({
  dataDir: values.data ? path.resolve(values.data) : DEFAULT_DATA_DIR,
  functionsDir: path.resolve(values.functions ?? DEFAULT_FUNCTIONS_DIR),
  engine: engineOption(values),
});

// argv (without node and the script) -> { command, ...options } or { command: 'help' }.
export function parseCommandLine(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };

  if (command === 'serve') {
    const { values, positionals } = parse(rest, SERVE, true);
    if (values.help) return { command: 'help' };
    if (positionals.length) throw new UsageError(`serve takes no arguments, got "${positionals[0]}"`);
    if (values.demo && values.config) throw new UsageError('--demo loads demo/config.json: leave out --config');
    return {
      command: 'serve',
      ...common(values),
      host: values.host ?? '127.0.0.1',
      port: integerOption(values, 'port', 8080, { min: 0, max: 65535 }),
      threads: integerOption(values, 'threads', DEFAULT_THREADS, { min: 0, max: 256 }),
      configFile: values.config ? path.resolve(values.config) : null,
      demo: values.demo ?? false,
      allowPrivateTargets: (values['allow-private-targets'] ?? false) || (values.demo ?? false),
      trustedProxies: trustedProxiesOption(values),
      outbox: {
        intervalMs: integerOption(values, 'outbox-interval-ms', OUTBOX.intervalMs),
        rescanMs: integerOption(values, 'outbox-rescan-ms', OUTBOX.rescanMs),
        baseDelayMs: integerOption(values, 'outbox-base-delay-ms', OUTBOX.baseDelayMs),
        maxAttempts: integerOption(values, 'outbox-max-attempts', OUTBOX.maxAttempts, { max: 100 }),
        timeoutMs: integerOption(values, 'outbox-timeout-ms', OUTBOX.timeoutMs),
      },
      sweepIntervalMs: integerOption(values, 'sweep-interval-ms', 60_000),
    };
  }

  if (command === 'config') {
    const [action, ...more] = rest;
    if (action !== 'validate' && action !== 'load') throw new UsageError('config needs an action: validate or load');
    const { values, positionals } = parse(more, COMMON, true);
    if (values.help) return { command: 'help' };
    if (positionals.length !== 1) throw new UsageError(`config ${action} needs exactly one FILE`);
    return { command: 'config', action, file: path.resolve(positionals[0]), ...common(values) };
  }

  if (command === 'outbox') {
    const [action, ...more] = rest;
    if (action !== 'list' && action !== 'replay') throw new UsageError('outbox needs an action: list or replay');
    const { values, positionals } = parse(more, OUTBOX_OPTIONS, true);
    if (values.help) return { command: 'help' };
    const dataDir = values.data ? path.resolve(values.data) : DEFAULT_DATA_DIR;
    if (action === 'list') {
      if (positionals.length) throw new UsageError(`outbox list takes no arguments, got "${positionals[0]}"`);
      if (values['all-dead']) throw new UsageError('--all-dead belongs to outbox replay');
      if (values.state !== undefined && !['pending', 'delivered', 'dead'].includes(values.state)) {
        throw new UsageError(`--state must be pending, delivered or dead, not "${values.state}"`);
      }
      return { command: 'outbox', action, dataDir, state: values.state ?? null };
    }
    if (values.state !== undefined) throw new UsageError('--state belongs to outbox list');
    if (values['all-dead'] && positionals.length) throw new UsageError('give IDs or --all-dead, not both');
    if (!values['all-dead'] && positionals.length === 0) throw new UsageError('outbox replay needs IDs or --all-dead');
    return { command: 'outbox', action, dataDir, ids: positionals, allDead: values['all-dead'] ?? false };
  }

  if (command === 'report' || command === 'explain' || (command === 'reports' && rest[0] === 'rebuild')) {
    return reportCommand(command, command === 'reports' ? rest.slice(1) : rest);
  }
  if (command === 'reports') throw new UsageError('reports needs an action: rebuild');

  throw new UsageError(`unknown command "${command}" (serve, config, outbox, report, explain, reports; --help for details)`);
}

function reportCommand(command, args) {
  const { values, positionals } = parse(args, REPORT_OPTIONS, true);
  if (values.help) return { command: 'help' };
  if (values.url !== undefined && values.data !== undefined) throw new UsageError('give --data or --url, not both');
  if (values.url !== undefined && !/^https?:\/\/[^/]+\/?$/.test(values.url)) {
    throw new UsageError(`--url must be an origin such as http://127.0.0.1:8080, not "${values.url}"`);
  }
  const base = { ...common(values), url: values.url?.replace(/\/$/, '') ?? null };
  if (command === 'explain') {
    const given = REPORT_PARAMETERS.filter((name) => values[name] !== undefined);
    if (given.length) throw new UsageError(`--${given[0]} belongs to report`);
    if (positionals.length !== 1) throw new UsageError('explain needs exactly one transaction ID');
    return { command, id: positionals[0], json: values.json ?? false, ...base };
  }
  if (positionals.length) throw new UsageError(`${command} takes no arguments, got "${positionals[0]}"`);
  if (values.json) throw new UsageError('--json belongs to explain; report takes --format json');
  if (command === 'reports') {
    if (values.url) throw new UsageError('reports rebuild works on a data directory: --data, not --url');
    return { command: 'reports-rebuild', ...base };
  }
  const params = new URLSearchParams();
  for (const name of REPORT_PARAMETERS) if (values[name] !== undefined && name !== 'format') params.set(name, values[name]);
  const format = values.format ?? 'table';
  if (!['table', 'json', 'csv'].includes(format)) throw new UsageError(`--format must be table, json or csv, not "${format}"`);
  return { command, params, format, ...base };
}
