// node:wasi crashes (SIGSEGV) after some thousands of instances in one process unless V8's fast
// API calls are off (nodejs/node issues 52402, 53087). The flag is a V8 option that
// NODE_OPTIONS does not accept, so a long-running runner re-executes itself with it.

import { spawn } from 'node:child_process';
import os from 'node:os';
import process from 'node:process';

export const SAFE_WASI_FLAG = '--no-turbo-fast-api-calls';
// glibc gives each thread that allocates its own malloc arena; with the instances' memory freed
// on the main thread and libuv's pool threads allocating too, a runner's resident memory crept up
// by about 0.5 MiB per 1,000 clicks (74 -> 91 MiB over 40,000) where two arenas kept it flat
// (79 -> 81 MiB). An operator's own setting wins.
export const RUNNER_ENV = Object.freeze({ MALLOC_ARENA_MAX: '2' });

export function hasSafeWasiFlag(execArgv = process.execArgv) {
  return execArgv.some((arg) => arg === SAFE_WASI_FLAG || arg === '--no_turbo_fast_api_calls');
}

// Runs `script args` again in a child Node with the flag; this process only relays. Signals
// are forwarded, and the child's exit code becomes ours. The IPC channel lets the child notice
// when this process dies without a signal it could forward (SIGKILL) and stop too.
export function relaunchWithSafeWasiFlag(script, args) {
  const child = spawn(process.execPath, [...process.execArgv, SAFE_WASI_FLAG, script, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...RUNNER_ENV, ...process.env },
  });
  const forward = (signal) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward(signal));
  child.on('error', (error) => {
    process.stderr.write(`cannot re-execute node with ${SAFE_WASI_FLAG}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0));
  });
}

// In the child: stop (via `onParentGone`) when the relaying parent disappears.
export function watchParent(onParentGone) {
  if (!process.channel) return;
  process.on('disconnect', onParentGone);
  process.channel.unref();  // the channel alone must not keep the runner alive
}
