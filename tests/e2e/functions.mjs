// Where the tests find the built .wasm functions (CTest passes EDGEPOST_FUNCTIONS_DIR).
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../local-runner/src/engine.mjs';
import { targetJudge } from '../../local-runner/src/target-policy.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const functionsDir = process.env.EDGEPOST_FUNCTIONS_DIR ?? path.join(repo, 'build/wasi/functions');

export function functionPath(name) {
  const file = path.join(functionsDir, `${name}.wasm`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the wasi preset first`);
  return file;
}

export function allFunctions() {
  return fs.readdirSync(functionsDir).filter((f) => f.endsWith('.wasm')).map((f) => path.join(functionsDir, f));
}

// The library's partner-target policy through the built partner-target.wasm, as the runner
// asks it (local-runner/src/target-policy.mjs).
export async function partnerTargetJudge() {
  // partner-target needs no /kv: the engine never opens this folder for it.
  const engine = await createEngine({ kind: 'node', functionsDir, kvDir: '/nonexistent', functions: ['partner-target'] });
  return targetJudge(engine);
}
