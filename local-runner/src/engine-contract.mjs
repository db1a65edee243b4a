// What every engine offers the runner, over one primitive each engine implements:
//
//   run(name, { args, env, stdin: Buffer, kv, computes }) -> { exitCode, stdout: Buffer, stderr: string, exhausted? }
//
// runs FUNCTIONS/<name>.wasm once as a WASI preview1 command: `args` after the program name,
// exactly the variables in `env` (nothing of the host's environment), `stdin`, and the data
// directory's kv/ folder preopened as /kv when `kv` is true; `computes` says that the run only
// computes and does not wait on the disk (a click), which an engine may use to place it. A trap,
// a timeout or an engine failure is thrown, never returned. `exhausted` (node only): the error
// of a file the function could not open for want of descriptors.
//
// concurrency: how many runs the engine takes at once (the server sends no more);
// computeConcurrency: how many of those may be runs that only compute (the rest wait on the
// disk), at most the cores the engine can use; close() releases what the engine holds (threads).

import { takeHostLines } from './host-lines.mjs';
import { cgiEnvironment, parseCgiOutput } from './wasi-cgi.mjs';

export class Engine {
  constructor({ kind, description, kvDir, secrets = {}, concurrency = 1, computeConcurrency = concurrency }) {
    this.kind = kind;
    this.description = description;
    this.kvDir = kvDir;
    this.secrets = secrets;
    this.concurrency = concurrency;
    this.computeConcurrency = Math.min(concurrency, computeConcurrency);
  }

  async close() {}

  // As a WAGI/CGI function: the request in environment variables and stdin, with the secrets;
  // -> { status, headers: [[name, value]], body, exitCode, stderr, enqueued, expiring, ledger,
  // exhausted }, where stderr holds the events and enqueued, expiring, ledger what
  // host-lines.mjs describes. A run that fails is thrown with the same four fields: what it did
  // before it failed still counts.
  async cgi(name, request, { computes = false } = {}) {
    const body = Buffer.from(request.body ?? '');
    const env = { ...cgiEnvironment(request, body.length), ...this.secrets };
    let run;
    try {
      run = await this.run(name, { args: [], env, stdin: body, kv: true, computes });
    } catch (error) {
      if (error.stderr) Object.assign(error, takeHostLines(error.stderr));
      throw error;
    }
    const { stderr, enqueued, expiring, ledger } = takeHostLines(run.stderr);
    return { ...parseCgiOutput(run.stdout), exitCode: run.exitCode, stderr, enqueued, expiring, ledger, exhausted: run.exhausted ?? null };
  }

  // As a plain command (config.wasm); no secrets. -> { exitCode, stdout: string, stderr: string }.
  async command(name, { args = [], env = {}, stdin = '', kv = false } = {}) {
    const run = await this.run(name, { args, env, stdin: Buffer.from(stdin), kv });
    return { exitCode: run.exitCode, stdout: run.stdout.toString('utf8'), stderr: run.stderr };
  }
}
