// Runs a program to completion for the engines that run each request in a child process, with
// the output bounded and the run bounded in time.

import { spawn } from 'node:child_process';
import process from 'node:process';
import { MAX_OUTPUT_BYTES } from './wasi-instance.mjs';

// -> { exitCode, signal, stdout: Buffer, stderr: Buffer, status: Buffer, timedOut, tooMuchOutput }
// status: what the child wrote on descriptor 3, when withStatusPipe (jco-run.mjs reports a trap
// there, apart from the guest's own stderr).
export function runProcess(binary, argv, { stdin = Buffer.alloc(0), env = process.env, timeoutMs = 10_000, withStatusPipe = false } = {}) {
  return new Promise((resolve, reject) => {
    const stdio = withStatusPipe ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'];
    const child = spawn(binary, argv, { env, stdio });
    const out = [];
    const err = [];
    const status = [];
    let outBytes = 0;
    let timedOut = false;
    let tooMuchOutput = false;
    const collect = (chunks) => (chunk) => {
      outBytes += chunk.length;
      if (outBytes <= MAX_OUTPUT_BYTES) chunks.push(chunk);
      else if (!tooMuchOutput) {
        tooMuchOutput = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    if (withStatusPipe) child.stdio[3].on('data', collect(status));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`cannot run ${binary}: ${error.message}`), { code: error.code }));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), status: Buffer.concat(status), timedOut, tooMuchOutput,
      });
    });
    // A function that exits without reading its stdin closes the pipe: not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

// The failures every child-process engine reports alike, as the node engine reports a trap:
// an exception, never a response.
export function checkFinished(run, { engine, name, timeoutMs }) {
  if (run.timedOut) throw new Error(`${name}: ${engine} did not finish within ${timeoutMs} ms (killed)`);
  if (run.tooMuchOutput) throw new Error(`${name}: more than ${MAX_OUTPUT_BYTES} bytes of output (killed)`);
  if (run.signal) throw new Error(`${name}: ${engine} was killed by ${run.signal}`);
  return run;
}
