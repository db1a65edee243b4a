// Validating and loading a config file goes through config.wasm, so the runner and every other
// platform share one validator (lib/src/config.cpp). Contract of config.wasm:
//   EDGEPOST_CONFIG_ACTION=validate|load in its environment (an argument would do too, but
//   wasmtime's engine inside wizer passes none), the config JSON on stdin;
//   stdout: one JSON object, {"ok":true,"records":N[,"removed":M]} or
//   {"ok":false,"errors":["path: message",...]}; exit code 0 when ok, else 1; "load" writes the
//   records into its /kv preopen and removes those of entities no longer in the config.

import fs from 'node:fs';

export const CONFIG_FUNCTION = 'config';

// -> { ok: true, records, removed } or { ok: false, errors: [string] }.
// Throws when config.wasm does not keep its contract (no JSON, exit code disagreeing).
export async function runConfig(engine, action, configText) {
  if (action !== 'validate' && action !== 'load') throw new Error(`unknown config action "${action}"`);
  const run = await engine.command(CONFIG_FUNCTION, { env: { EDGEPOST_CONFIG_ACTION: action }, stdin: configText, kv: action === 'load' });
  let result;
  try {
    result = JSON.parse(run.stdout);
  } catch {
    throw new Error(`config.wasm ${action} printed no JSON result (exit code ${run.exitCode})` +
      `${run.stdout ? `; stdout: ${clip(run.stdout)}` : ''}${run.stderr ? `; stderr: ${clip(run.stderr)}` : ''}`);
  }
  if (result?.ok === true && run.exitCode === 0) {
    return { ok: true, records: result.records, removed: result.removed ?? 0 };
  }
  if (result?.ok === false && run.exitCode !== 0 && Array.isArray(result.errors)) {
    return { ok: false, errors: result.errors.map(String) };
  }
  throw new Error(`config.wasm ${action} broke its contract: exit code ${run.exitCode} with ${clip(run.stdout)}`);
}

export function readConfigFile(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read config file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
}

// Lines for a person: "config FILE: valid (N records)" or the list of problems.
export function describeResult(file, action, result) {
  if (result.ok) {
    return action === 'load'
      ? [`config ${file}: loaded ${result.records} records, removed ${result.removed} of entities no longer in it`]
      : [`config ${file}: valid (${result.records} records)`];
  }
  const count = result.errors.length;
  return [`config ${file}: invalid, ${count} problem${count === 1 ? '' : 's'}:`, ...result.errors.map((e) => `  ${e}`)];
}

const clip = (text) => JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}...` : text);
