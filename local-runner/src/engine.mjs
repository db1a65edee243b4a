// The engines that run the edgepost functions (FUNCTIONS/<name>.wasm), chosen with --engine.
// Each offers engine-contract.mjs's cgi() and command() over its own run():
//
//   node             node:wasi in this process (the default; node-engine.mjs)
//   wasmtime         the `wasmtime` CLI, one `wasmtime run` per run (wasmtime-cli-engine.mjs)
//   wasmtime-engine  wasmtime's engine with wasmtime-wasi inside the pinned wizer binary, one
//                    child per run (wasmtime-engine.mjs)
//   jco              jco's preview2-shim behind wasmtime's preview1 adapter, one child Node per
//                    run (jco-engine.mjs)
//
// Every run sees the data directory's kv/ folder preopened as /kv (for a command only with
// kv: true), and the secrets as environment variables, never on a command line.

import { JcoEngine } from './jco-engine.mjs';
import { NodeEngine } from './node-engine.mjs';
import { WasmtimeCliEngine } from './wasmtime-cli-engine.mjs';
import { WasmtimeEngine } from './wasmtime-engine.mjs';

const KINDS = {
  node: NodeEngine,
  wasmtime: WasmtimeCliEngine,
  'wasmtime-engine': WasmtimeEngine,
  jco: JcoEngine,
};
export const ENGINES = Object.keys(KINDS);

// options: { kind, functionsDir, kvDir, secrets: {NAME: value}, functions: [names to load],
//            wasmtime: binary path (wasmtime only; default $EDGEPOST_WASMTIME or PATH),
//            timeoutMs: per run, child-process engines only }
export async function createEngine({ kind = 'node', ...options }) {
  const Kind = Object.hasOwn(KINDS, kind) ? KINDS[kind] : null;
  if (!Kind) throw new Error(`unknown engine "${kind}" (use ${ENGINES.join(', ')})`);
  return Kind.create({ secrets: {}, ...options });
}
