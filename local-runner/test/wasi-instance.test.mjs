// Every run of a WASI instance gives back what it held: the preopened directory, the files the
// guest left open, whatever way the run ended. Measured on this process's own descriptors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWasi } from '../src/wasi-instance.mjs';
import { FIXTURE_WASM, tempDir } from './helpers.mjs';

const fixture = (name) => new WebAssembly.Module(fs.readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))));
const openDescriptors = () => fs.readdirSync('/proc/self/fd').length;
const RUNS = 300;

async function descriptorsAfter(runs, run) {
  await run();  // the first run opens what is shared for the process (/dev/null for stdio)
  const before = openDescriptors();
  for (let i = 0; i < runs; i += 1) await run();
  return { before, after: openDescriptors() };
}

test('a guest that exits leaving a file open: the file and the preopen are closed', async (t) => {
  const kv = tempDir(t);
  const module = fixture('leave-open.wasm');
  const { before, after } = await descriptorsAfter(RUNS, async () => {
    const run = await runWasi(module, { args: ['leave-open'], preopens: { '/kv': kv } });
    assert.equal(run.exitCode, 0);
  });
  assert.ok(fs.existsSync(path.join(kv, 'held')), 'the guest did open the file');
  assert.ok(after <= before + 1, `${RUNS} runs: ${before} descriptors before, ${after} after`);
});

test('a guest that traps with a file open: the file and the preopen are closed', async (t) => {
  const kv = tempDir(t);
  const module = fixture('leave-open.wasm');
  const { before, after } = await descriptorsAfter(RUNS, async () => {
    await assert.rejects(runWasi(module, { args: ['leave-open', 'trap'], preopens: { '/kv': kv } }), WebAssembly.RuntimeError);
  });
  assert.ok(after <= before + 1, `${RUNS} runs: ${before} descriptors before, ${after} after`);
});

test('an instance that never starts (a missing import): the preopens are closed', async (t) => {
  const kv = tempDir(t);
  const module = fixture('needs-missing-import.wasm');
  const { before, after } = await descriptorsAfter(RUNS, async () => {
    await assert.rejects(runWasi(module, { preopens: { '/kv': kv, '/other': kv } }), WebAssembly.LinkError);
  });
  assert.ok(after <= before + 1, `${RUNS} runs: ${before} descriptors before, ${after} after`);
});

test('stdin, stdout and stderr are served from and into memory: no file is created for them', async (t) => {
  const kv = tempDir(t);
  const tmpBefore = fs.readdirSync(path.dirname(kv)).filter((name) => name.startsWith('edgepost-wasi-')).length;
  const run = await runWasi(new WebAssembly.Module(fs.readFileSync(FIXTURE_WASM)), { args: ['env-echo'], stdin: 'body bytes', preopens: { '/kv': kv } });
  assert.match(run.stdout.toString(), /^Status: 200 OK\n/);
  assert.match(run.stdout.toString(), /stdin=body bytes/);
  assert.notEqual(run.stderr, '');
  const tmpAfter = fs.readdirSync(path.dirname(kv)).filter((name) => name.startsWith('edgepost-wasi-')).length;
  assert.equal(tmpAfter, tmpBefore);
});
