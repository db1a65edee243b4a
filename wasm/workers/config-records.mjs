// Config JSON -> one KV record per entity, validated by the library itself (the same
// Emscripten module the Worker runs, loaded in Node), so what is uploaded is what decide()
// accepts. -> { ok: true, records: [{key, value}] } or { ok: false, errors: [...] }.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function configRecords(bundle, configText) {
  const { default: createEdgepost } = await import(pathToFileURL(path.join(bundle, 'edgepost.mjs')).href);
  const compiled = new WebAssembly.Module(fs.readFileSync(path.join(bundle, 'edgepost.wasm')));
  const module = await createEdgepost({
    locateFile: (p) => p,
    instantiateWasm(imports, receive) {
      const instance = new WebAssembly.Instance(compiled, imports);
      receive(instance, compiled);
      return instance.exports;
    },
  });
  const size = module.lengthBytesUTF8(configText) + 1;
  const pointer = module._malloc(size);
  module.stringToUTF8(configText, pointer, size);
  const result = JSON.parse(module.UTF8ToString(module._ep_config_records(pointer)));
  module._free(pointer);
  return result;
}
