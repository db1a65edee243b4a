// Every function must run unchanged on any WASI preview1 host: it may import nothing else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { allFunctions } from './functions.mjs';

const functions = allFunctions();

test('at least one function was built', () => {
  assert.ok(functions.length > 0);
});

for (const file of functions) {
  test(`${path.basename(file)} imports only wasi_snapshot_preview1 and exports _start`, async () => {
    const module = await WebAssembly.compile(fs.readFileSync(file));
    const foreign = WebAssembly.Module.imports(module).filter((i) => i.module !== 'wasi_snapshot_preview1');
    assert.deepEqual(foreign, []);
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    assert.ok(exports.includes('_start'), `exports: ${exports.join(', ')}`);
    assert.ok(exports.includes('memory'));
  });
}
