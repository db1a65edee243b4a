// A function's .wasm as jco runs it: wrapped into a component with wasmtime's preview1 command
// adapter (what `jco new --wasi-command` does), then transpiled to JavaScript and core modules
// (`jco transpile --instantiation async`). About 1 s per function, so the result is kept in the
// engine cache, keyed by the module, the adapter and jco's version.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { packageVersionOf } from './package-version.mjs';

export const COMPONENT_MODULE = 'component.mjs';
export const TRAP_EXIT_CODE = 70;

export async function jcoVersion() {
  return packageVersionOf((await loadJco()).preview1AdapterCommandPath().href);
}

// -> the folder holding COMPONENT_MODULE and its core modules.
export async function prepareComponent(wasmFile, cacheDir) {
  const jco = await loadJco();
  const wasm = fs.readFileSync(wasmFile);
  const adapter = fs.readFileSync(jco.preview1AdapterCommandPath());
  const key = crypto.createHash('sha256').update(wasm).update(adapter).update(await jcoVersion()).digest('hex');
  const dir = path.join(cacheDir, key);
  if (fs.existsSync(path.join(dir, COMPONENT_MODULE))) return dir;

  const component = await jco.componentNew(wasm, [['wasi_snapshot_preview1', adapter]]);
  const { files } = await jco.transpile(component, { name: 'component', instantiation: { tag: 'async' }, noTypescript: true, quiet: true });
  const staging = fs.mkdtempSync(path.join(cacheDir, '.tmp-'));
  for (const [name, bytes] of Object.entries(files)) {
    if (name.includes('/') || name.endsWith('.d.ts')) continue;  // type declarations
    fs.writeFileSync(path.join(staging, name.replace(/\.js$/, '.mjs')), bytes);
  }
  try {
    fs.renameSync(staging, dir);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    // Another runner prepared the same component meanwhile: theirs is as good.
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
  }
  return dir;
}

async function loadJco() {
  try {
    return await import('@bytecodealliance/jco');
  } catch (error) {
    throw new Error(`--engine jco needs npm @bytecodealliance/jco in local-runner/ (bash tests/bootstrap.sh installs it): ${error.message}`);
  }
}
