// The WASI thread pool runs instances concurrently, one per thread, reports what each run
// reports (exit codes, traps with stderr, exhaustion with its code) and holds no descriptor
// per run. Concurrency is proven by a rendezvous, not by timing: two guests that each wait for
// the other's file can only both finish when both run at once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { errorFromMessage, errorToMessage } from '../src/thread-errors.mjs';
import { WasiThreadPool } from '../src/wasi-thread-pool.mjs';
import { tempDir } from './helpers.mjs';

const fixture = (name) => new WebAssembly.Module(fs.readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))));
const MODULES = new Map([
  ['rendezvous', fixture('rendezvous.wasm')],
  ['leave-open', fixture('leave-open.wasm')],
  ['trap', fixture('trap.wasm')],
]);

function pool(t, size) {
  const threads = new WasiThreadPool(MODULES, size);
  t.after(() => threads.close());
  return threads;
}

const rendezvous = (threads, kv) => Promise.all([
  threads.run('rendezvous', { args: ['rendezvous'], preopens: { '/kv': kv } }),
  threads.run('rendezvous', { args: ['rendezvous', 'b'], preopens: { '/kv': kv } }),
]);

test('two threads: two runs are under way at once', async (t) => {
  const runs = await rendezvous(pool(t, 2), tempDir(t));
  assert.deepEqual(runs.map((run) => run.exitCode), [0, 0]);
});

test('one thread: runs wait their turn (the rendezvous fails for the first, as it must)', async (t) => {
  const runs = await rendezvous(pool(t, 1), tempDir(t));
  assert.deepEqual(runs.map((run) => run.exitCode), [1, 0]);
});

test('a trap on a thread is an error carrying the guest stderr, and the thread serves on', async (t) => {
  const threads = pool(t, 1);
  const error = await threads.run('trap', { args: ['trap'] }).then(() => null, (e) => e);
  assert.ok(error instanceof WebAssembly.RuntimeError, `a trap is a RuntimeError, got ${error}`);
  assert.match(error.message, /unreachable/);
  assert.equal(error.stderr, 'before the trap\n');
  const run = await threads.run('leave-open', { args: ['leave-open'], preopens: { '/kv': tempDir(t) } });
  assert.equal(run.exitCode, 0);
  assert.ok(Buffer.isBuffer(run.stdout));
  await assert.rejects(threads.run('nope', {}), /function nope was not loaded/);
});

test('runs on threads hold no descriptor afterwards', async (t) => {
  const threads = pool(t, 2);
  const kv = tempDir(t);
  const open = () => fs.readdirSync('/proc/self/fd').length;
  const batch = () => Promise.all(Array.from({ length: 20 }, () =>
    threads.run('leave-open', { args: ['leave-open'], preopens: { '/kv': kv } })));
  await batch();  // each thread opens what it shares for its life (/dev/null for stdio)
  const before = open();
  for (let i = 0; i < 15; i += 1) {
    const runs = await batch();
    assert.ok(runs.every((run) => run.exitCode === 0));
  }
  const after = open();
  assert.ok(after <= before + 2, `300 runs: ${before} descriptors before, ${after} after`);
});

test('a closed pool refuses runs', async (t) => {
  const threads = new WasiThreadPool(MODULES, 1);
  await threads.close();
  await assert.rejects(threads.run('leave-open', {}), /the WASI thread pool is closed/);
  assert.throws(() => new WasiThreadPool(MODULES, 0), /at least one thread/);
});

test('errors cross threads with what the runner reads of them', () => {
  const exhausted = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
  const back = errorFromMessage(errorToMessage(exhausted));
  assert.equal(back.code, 'EMFILE');
  assert.equal(back.message, 'EMFILE: too many open files');
  const memory = errorFromMessage(errorToMessage(new RangeError('WebAssembly.Memory(): could not allocate memory')));
  assert.ok(memory instanceof RangeError, 'memory exhaustion stays a RangeError');
  const trapped = errorFromMessage(errorToMessage(Object.assign(new WebAssembly.RuntimeError('unreachable'), { stderr: 'x' })));
  assert.ok(trapped instanceof WebAssembly.RuntimeError);
  assert.equal(trapped.stderr, 'x');
});
