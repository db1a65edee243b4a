// --engine wasmtime-engine: each run on wasmtime's engine with wasmtime-wasi, through the wizer
// binary pinned in local-runner/package.json (npm @bytecodealliance/wizer embeds wasmtime; the
// wasmtime CLI itself is not obtainable here). This is wasmtime's engine, not the wasmtime CLI.
//
// Wizer pre-initialises a module by running an init function under WASI; asked to run _start
// and to write its snapshot to /dev/null, it is a real run of a WASI command on wasmtime. What
// that gives and does not give, as the contract needs it:
//   - no guest arguments: a run with arguments is refused (config.wasm takes its action from
//     EDGEPOST_CONFIG_ACTION);
//   - the guest sees wizer's whole environment (--inherit-env), so the child is started with
//     exactly the run's variables, plus HOME, where wasmtime keeps its compiled-code cache
//     (0.04 s a run warm instead of 0.25 s);
//   - any proc_exit, even exit(0), makes wizer exit 1 and print "Exited with i32 exit status N"
//     after an "Error: " line on stderr: the guest's code is read from there, and what came
//     before that line is the guest's own stderr. Anything else after it is a trap.

import fs from 'node:fs';
import { checkFinished, runProcess } from './child-process.mjs';
import { engineCacheDir } from './engine-cache.mjs';
import { Engine } from './engine-contract.mjs';
import { functionFile } from './function-files.mjs';
import { packageVersionOf } from './package-version.mjs';

const EXITED = /Exited with i32 exit status (\d+)\s*$/;

export async function findWizer() {
  let binary;
  try {
    binary = (await import('@bytecodealliance/wizer')).default;
  } catch (error) {
    throw new Error(`--engine wasmtime-engine needs npm @bytecodealliance/wizer in local-runner/ (bash tests/bootstrap.sh installs it): ${error.message}`);
  }
  const wizerVersion = packageVersionOf(binary);
  // The embedded wasmtime's version is in the binary's own crate paths (wasmtime-wasi-X.Y.Z).
  const wasmtimeVersion = /wasmtime-wasi-(\d+\.\d+\.\d+)/.exec(fs.readFileSync(binary).toString('latin1'))?.[1] ?? 'unknown';
  return { binary, wizerVersion, wasmtimeVersion };
}

export class WasmtimeEngine extends Engine {
  static async create({ functionsDir, kvDir, secrets, functions, timeoutMs = 10_000 }) {
    const { binary, wizerVersion, wasmtimeVersion } = await findWizer();
    const files = new Map(functions.map((name) => [name, functionFile(functionsDir, name)]));
    const home = engineCacheDir('wasmtime-home');
    const description = `wasmtime ${wasmtimeVersion}'s engine with wasmtime-wasi, inside wizer ${wizerVersion} (not the wasmtime CLI)`;
    return new WasmtimeEngine({ binary, files, home, kvDir, secrets, timeoutMs, description });
  }

  constructor({ binary, files, home, kvDir, secrets, timeoutMs, description }) {
    super({ kind: 'wasmtime-engine', description, kvDir, secrets });
    this.binary = binary;
    this.files = files;
    this.home = home;
    this.timeoutMs = timeoutMs;
  }

  commandLine(name, { kv }) {
    const file = this.files.get(name);
    if (!file) throw new Error(`function ${name} was not loaded`);
    return ['--allow-wasi', '--inherit-env', 'true', '--inherit-stdio', 'true',
      ...(kv ? ['--mapdir', `/kv::${this.kvDir}`] : []), '--init-func', '_start', '-o', '/dev/null', file];
  }

  async run(name, { args, env, stdin, kv }) {
    if (args.length > 0) throw new Error(`${name}: wasmtime's engine inside wizer cannot pass arguments to a module`);
    const run = checkFinished(await runProcess(this.binary, this.commandLine(name, { kv }), {
      stdin,
      env: { ...env, HOME: this.home },
      timeoutMs: this.timeoutMs,
    }), { engine: 'wizer', name, timeoutMs: this.timeoutMs });
    const stderr = run.stderr.toString('utf8');
    if (run.exitCode === 0) return { exitCode: 0, stdout: run.stdout, stderr };
    const { guest, report } = splitReport(stderr);
    const exited = EXITED.exec(report);
    if (exited) return { exitCode: Number(exited[1]), stdout: run.stdout, stderr: guest };
    const error = new Error(`${name}: failed on wasmtime's engine (wizer exit code ${run.exitCode}): ${summary(report)}`);
    error.stderr = guest;
    throw error;
  }
}

// Wizer's report starts at the last line beginning "Error: "; before it is the guest's stderr.
function splitReport(stderr) {
  const at = [...stderr.matchAll(/^Error: /gm)].at(-1)?.index;
  return at === undefined ? { guest: '', report: stderr } : { guest: stderr.slice(0, at), report: stderr.slice(at) };
}

// The first line of wizer's report and its innermost cause, e.g. "the `_start` function
// trapped: wasm trap: wasm `unreachable` instruction executed".
function summary(report) {
  const lines = report.trim().split('\n').map((line) => line.trim()).filter(Boolean);
  const first = (lines[0] ?? 'no output').replace(/^Error: /, '');
  const cause = lines.at(-1)?.replace(/^\d+: /, '');
  return cause && lines.length > 1 ? `${first}: ${cause}` : first;
}
