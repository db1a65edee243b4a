// One call of the library's exports: JSON in, JSON out, UTF-8 across the boundary. Shared by
// the Worker (engine.mjs) and the Node tools that load the same module (config-records.mjs).
export function callExport(module, name, input) {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  const size = module.lengthBytesUTF8(text) + 1;
  const pointer = module._malloc(size);
  try {
    module.stringToUTF8(text, pointer, size);
    return JSON.parse(module.UTF8ToString(module[`_ep_${name}`](pointer)));
  } finally {
    try { module._free(pointer); } catch { /* the instance is gone already */ }
  }
}
