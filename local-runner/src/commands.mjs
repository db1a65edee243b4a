// The commands of cli.mjs, each returning its exit code.

import path from 'node:path';
import process from 'node:process';
import { describeResult, readConfigFile, runConfig } from './config-file.mjs';
import { createEngine } from './engine.mjs';
import { KvDir } from './kv-dir.mjs';
import { OUTBOX_PREFIX } from './outbox-entry.mjs';
import { listEntries, replayEntry } from './outbox-operator.mjs';
import { explain, rebuild, report } from './report-commands.mjs';
import { startRunner, StartupError } from './serve.mjs';

const out = (line) => process.stdout.write(`${line}\n`);
const err = (line) => process.stderr.write(`${line}\n`);

export async function runCommand(options, { watchParent = () => {} } = {}) {
  try {
    if (options.command === 'serve') return await serve(options, watchParent);
    if (options.command === 'config') return await config(options);
    if (options.command === 'outbox') return await outbox(options);
    const io = { out, err, env: process.env };
    if (options.command === 'report') return await report(options, io);
    if (options.command === 'explain') return await explain(options, io);
    if (options.command === 'reports-rebuild') return await rebuild(options, io);
    throw new Error(`unknown command ${options.command}`);
  } catch (error) {
    err(`edgepost: ${error.message}`);
    for (const line of error.lines ?? []) err(line);
    return 1;
  }
}

async function serve(options, watchParent) {
  // The handlers go in before the runner starts: a signal that arrives while it starts (or
  // right after its ready line) stops it once it is up instead of killing the process.
  let runner = null;
  let stopReason = null;
  let stopped;
  const done = new Promise((resolve) => { stopped = resolve; });
  const stop = (why) => {
    if (stopReason) return;  // a terminal's Ctrl-C reaches both the relay and this process
    stopReason = why;
    if (runner) closeRunner();
  };
  const closeRunner = () => {
    out(`${stopReason}: stopping (finishing the requests under way)`);
    runner.close().then(stopped);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  try {
    runner = await startRunner(options);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    err(`edgepost: ${error.message}`);
    for (const line of error.lines) err(line);
    return 1;
  }
  watchParent(() => stop('parent process gone'));
  if (stopReason) closeRunner();
  await done;
  out('edgepost runner stopped');
  return 0;
}

async function config(options) {
  const text = readConfigFile(options.file);
  const kvDir = path.join(options.dataDir, 'kv');
  if (options.action === 'load') new KvDir(kvDir).ensure();
  const engine = await createEngine({
    kind: options.engine,
    functionsDir: options.functionsDir,
    kvDir,
    functions: ['config'],
  });
  const result = await runConfig(engine, options.action, text);
  const lines = describeResult(options.file, options.action, result);
  (result.ok ? out : err)(lines.join('\n'));
  return result.ok ? 0 : 1;
}

async function outbox(options) {
  const kv = new KvDir(path.join(options.dataDir, 'kv'));
  try {
    await kv.list(OUTBOX_PREFIX);
  } catch (error) {
    if (error.code === 'ENOENT') throw new Error(`${kv.dir} does not exist: is ${options.dataDir} a data directory?`);
    throw error;
  }
  if (options.action === 'list') {
    for (const entry of await listEntries(kv, { state: options.state })) {
      out([entry.id, entry.state, entry.attempts, entry.url].join('\t'));
    }
    return 0;
  }
  const ids = options.allDead ? (await listEntries(kv, { state: 'dead' })).map((entry) => entry.id) : options.ids;
  let failures = 0;
  for (const id of ids) {
    try {
      out(await replayEntry(kv, id));
    } catch (error) {
      err(`edgepost: ${error.message}`);
      failures += 1;
    }
  }
  if (options.allDead) out(`replayed ${ids.length - failures} dead ${ids.length - failures === 1 ? 'entry' : 'entries'}`);
  return failures ? 1 : 0;
}
