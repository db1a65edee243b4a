// Config JSON -> one KV record per entity, by the library's config load exchange
// (lib/include/edgepost/config_load_exchange.hpp) run in Node on the same Emscripten module
// the Worker runs, so what is uploaded is what the Worker accepts. Its commands become a bulk
// upload instead of store calls: each put is a record to write, the listing is the keys stored
// now (given), each remove a key to delete.
//   -> { ok: true, records: [{key, value}], deletes: [key] } or { ok: false, errors: [...] }
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { callExport } from './src/library-call.mjs';

// The library of a bundle, instantiated in Node: the module its exports are called on
// (src/library-call.mjs).
export async function loadLibrary(bundle) {
  const { default: createEdgepost } = await import(pathToFileURL(path.join(bundle, 'edgepost.mjs')).href);
  const compiled = new WebAssembly.Module(fs.readFileSync(path.join(bundle, 'edgepost.wasm')));
  return createEdgepost({
    locateFile: (p) => p,
    instantiateWasm(imports, receive) {
      const instance = new WebAssembly.Instance(compiled, imports);
      receive(instance, compiled);
      return instance.exports;
    },
  });
}

export async function configRecords(bundle, configText, storedKeys = []) {
  const module = await loadLibrary(bundle);
  const checked = (answer) => {
    if (answer.error) throw new Error(answer.error);
    return answer;
  };
  const records = [];
  const deletes = [];
  let result = null;
  let at = checked(callExport(module, 'exchange_start', { exchange: 'config_load', mode: 'load', config: configText }));
  while (!at.finished) {
    const { command } = at;
    let outcome = { kind: 'done' };
    if (command.kind === 'put') records.push({ key: command.key, value: command.value });
    else if (command.kind === 'list') outcome = { kind: 'done', keys: storedKeys.filter((k) => k.startsWith(command.prefix)) };
    else if (command.kind === 'remove') deletes.push(command.key);
    else if (command.kind === 'respond') result = JSON.parse(command.response.body);
    else throw new Error(`config load asked for ${command.kind}`);
    at = checked(callExport(module, 'exchange_resume', { handle: at.handle, outcome }));
  }
  return result.ok ? { ok: true, records, deletes } : { ok: false, errors: result.errors };
}
