// Child process of the jco engine (jco-engine.mjs): runs one transpiled component once on
// jco's WASI implementation (@bytecodealliance/preview2-shim, under wasmtime's preview1
// adapter), then exits with the guest's code (0 or 1: preview2's exit collapses the others).
//
//   node jco-run.mjs COMPONENT_DIR KV_DIR|- [ARG]...
//
// The guest sees exactly this process's environment (the engine starts it with nothing but
// the run's variables), the arguments after the program name, stdin, stdout and stderr, and
// KV_DIR as /kv. A trap is reported on descriptor 3 as {"trap": message}, apart from the
// guest's own stderr, with exit code 70.

import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { COMPONENT_MODULE, TRAP_EXIT_CODE } from './jco-component.mjs';

const [componentDir, kvDir, ...args] = process.argv.slice(2);
if (!componentDir) {
  process.stderr.write('usage: node jco-run.mjs COMPONENT_DIR KV_DIR|- [ARG]...\n');
  process.exit(2);
}

const shim = new WASIShim({
  sandbox: { preopens: kvDir === '-' ? {} : { '/kv': kvDir }, env: { ...process.env }, args: ['function', ...args], enableNetwork: false },
});
const { instantiate } = await import(pathToFileURL(path.join(componentDir, COMPONENT_MODULE)).href);
const compile = (file) => WebAssembly.compile(fs.readFileSync(path.join(componentDir, file)));
try {
  const component = await instantiate(compile, shim.getImportObject());
  component.run.run();
} catch (error) {
  fs.writeSync(3, JSON.stringify({ trap: String(error?.message ?? error) }));
  process.exit(TRAP_EXIT_CODE);
}
process.exit(0);
