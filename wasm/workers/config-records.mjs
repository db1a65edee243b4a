// Config JSON -> one KV record per entity, validated by the library itself (the same
// Emscripten module the Worker runs, loaded in Node), so what is uploaded is what decide()
// accepts; with the keys stored now, also which of them the upload must delete (the library's
// stale_config_keys). -> { ok: true, records: [{key, value}], deletes: [key] } or
// { ok: false, errors: [...] }; throws on a malformed list of stored keys.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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
  const toModule = (text) => {
    const size = module.lengthBytesUTF8(text) + 1;
    const pointer = module._malloc(size);
    module.stringToUTF8(text, pointer, size);
    return pointer;
  };
  const config = toModule(configText);
  const stored = toModule(JSON.stringify(storedKeys));
  const result = JSON.parse(module.UTF8ToString(module._ep_config_records(config, stored)));
  module._free(config);
  module._free(stored);
  if (result.error) throw new Error(result.error);
  return result;
}
