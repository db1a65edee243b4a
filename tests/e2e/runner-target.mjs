// The local runner as a target of the end-to-end scenarios: a real `cli.mjs serve` process
// on 127.0.0.1 with its own data directory, config and keys.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeKey, decodeRecord, encodeKey } from '../../local-runner/src/kv-dir.mjs';
import { RUNNER_ENV } from '../../local-runner/src/relaunch.mjs';
import { functionsDir } from './functions.mjs';
import { SIGNING_ENV } from './network.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(repo, 'local-runner/cli.mjs');
// The flag (and environment) cli.mjs would re-execute itself with: given here, the spawned
// process IS the server (no relaying parent), so its pid is the one to SIGKILL or to read VmRSS of.
const NODE_ARGS = ['--no-turbo-fast-api-calls', CLI];
// The WASI host every runner and config command of a test run uses (--engine); CTest runs the
// suites once per engine.
export const ENGINE = process.env.EDGEPOST_TEST_ENGINE || 'node';
const withEngine = (args) => (args.includes('--engine') ? args : [...args, '--engine', ENGINE]);

// Starts `serve` on a free port and resolves once it listens.
// prefix: a wrapper command that ends by exec'ing its arguments (e.g. bash faults-mount.sh ...).
export async function startRunner({ dataDir, configFile, flags = [], env = SIGNING_ENV, prefix = [], allowPrivate = true }) {
  const args = [...NODE_ARGS, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir,
    '--functions', functionsDir, ...(allowPrivate ? ['--allow-private-targets'] : []),
    ...(configFile ? ['--config', configFile] : []), ...withEngine(flags)];
  const [command, ...commandArgs] = prefix.length ? [...prefix, process.execPath, ...args] : [process.execPath, ...args];
  const child = spawn(command, commandArgs, { env: { ...RUNNER_ENV, ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const engine = flags.includes('--engine') ? flags[flags.indexOf('--engine') + 1] : ENGINE;
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start:\n${output.join('')}`)), 30000);
    const onData = () => {
      const text = output.join('');
      const match = /edgepost runner listening on (http:\/\/\S+)/.exec(text);
      if (!match) return;
      clearTimeout(timer);
      // A suite meant for one engine must not pass on another.
      if (text.includes(`engine ${engine}: `)) resolve(match[1]);
      else {
        child.kill('SIGKILL');
        reject(new Error(`runner is not on engine ${engine}:\n${text}`));
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
      let timer;
      const result = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r(null), 15000); })]);
      clearTimeout(timer);  // a pending timer would keep the test process alive for 15 s
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

// The value stored under key, as text; null when absent.
export function storedValue(dataDir, key) {
  const file = path.join(dataDir, 'kv', encodeKey(key));
  return fs.existsSync(file) ? decodeRecord(fs.readFileSync(file), file).value.toString() : null;
}

export function makeDataDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-e2e-'));
}

export function writeConfig(dataDir, config) {
  const file = path.join(dataDir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

// Runs a CLI command to completion (outbox list/replay, config validate).
export function runCli(args) {
  const result = spawnSync(process.execPath, [CLI, ...(args[0] === 'config' ? withEngine(args) : args)], {
    env: { ...process.env, ...SIGNING_ENV },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
