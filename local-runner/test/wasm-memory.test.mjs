// Instances reuse linear memories the host keeps (wasm-memory-import.mjs, wasi-memory-pool.mjs),
// and must not be able to tell: each one starts with the memory a fresh instance would have
// (zeros, its data segments, the size it declared), whatever the one before did to it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWasi } from '../src/wasi-instance.mjs';
import { WasiThreadPool } from '../src/wasi-thread-pool.mjs';
import { hostMemoryImport, importOwnMemory } from '../src/wasm-memory-import.mjs';

const bytesOf = (name) => fs.readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
const reusing = (name) => new WebAssembly.Module(importOwnMemory(bytesOf(name)).bytes);
const FRESH = '01d';  // memory-mark.wat: no mark, one page, its data intact

test('the rewritten module imports its memory, and keeps its exports and its other imports', () => {
  const original = new WebAssembly.Module(bytesOf('env-echo.wasm'));
  const { bytes, memory } = importOwnMemory(bytesOf('env-echo.wasm'));
  const rewritten = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.exports(rewritten), WebAssembly.Module.exports(original));
  const imports = WebAssembly.Module.imports(rewritten);
  assert.deepEqual(imports.slice(0, -1), WebAssembly.Module.imports(original));
  assert.equal(imports.at(-1).kind, 'memory');
  assert.deepEqual(hostMemoryImport(rewritten).type, memory);
  assert.equal(hostMemoryImport(original), null);
});

test('a module without a memory of its own is left as it is', () => {
  // (module (func (export "_start")))
  const bytes = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 10, 1, 6, 95, 115, 116, 97, 114, 116,
    0, 0, 10, 4, 1, 2, 0, 11]);
  assert.deepEqual(importOwnMemory(bytes), { bytes, memory: null });
});

test('each run starts from a fresh memory, after a run that marked it and after one that grew it', async () => {
  const module = reusing('memory-mark.wasm');
  const outputs = [];
  for (const stdin of ['', '', 'g', '', '']) outputs.push((await runWasi(module, { stdin })).stdout.toString());
  assert.deepEqual(outputs, [FRESH, FRESH, FRESH, FRESH, FRESH]);
});

test('runs under way at the same time do not share a memory', async () => {
  const module = reusing('memory-mark.wasm');
  const runs = await Promise.all(Array.from({ length: 6 }, () => runWasi(module)));
  assert.deepEqual(runs.map((run) => run.stdout.toString()), Array(6).fill(FRESH));
});

test('on a thread of the pool too', async (t) => {
  const threads = new WasiThreadPool(new Map([['mark', reusing('memory-mark.wasm')]]), 1);
  t.after(() => threads.close());
  const outputs = [];
  for (const stdin of ['', 'g', '', '']) outputs.push((await threads.run('mark', { stdin: Buffer.from(stdin) })).stdout.toString());
  assert.deepEqual(outputs, [FRESH, FRESH, FRESH, FRESH]);
});
