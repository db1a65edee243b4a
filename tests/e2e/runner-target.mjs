// The local runner as a target of the end-to-end scenarios: a real `cli.mjs serve` process
// on 127.0.0.1 with its own data directory, config and keys.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeKey } from '../../local-runner/src/kv-dir.mjs';
import { functionsDir } from './functions.mjs';
import { SIGNING_ENV } from './network.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'local-runner/cli.mjs');

export function makeDataDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-e2e-'));
}

export function writeConfig(dataDir, config) {
  const file = path.join(dataDir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

// Starts `serve` and resolves once it listens. options: extra CLI flags.
export async function startRunner({ dataDir, configFile, flags = [] }) {
  const args = [cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir,
    '--functions', functionsDir, '--allow-private-targets', ...(configFile ? ['--config', configFile] : []), ...flags];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...SIGNING_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start:\n${output.join('')}`)), 30000);
    const onData = (chunk) => {
      output.push(chunk.toString());
      const match = /edgepost runner listening on (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => output.push(chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code}:\n${output.join('')}`));
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    base,
    output,
    child,
    async stop(signal = 'SIGTERM') {
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

export function storedKeys(dataDir) {
  const dir = path.join(dataDir, 'kv');
  return fs.readdirSync(dir).filter((name) => !name.startsWith('.')).map((name) => decodeKey(name));
}

// Runs a CLI command to completion (outbox list/replay, config validate).
export function runCli(args) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env: { ...process.env, ...SIGNING_ENV },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
