// The library inside the Worker: the Emscripten module, compiled once by the platform (the
// .wasm is imported as a CompiledWasm module) and instantiated once per isolate.
//
// Reusing one instance across requests is safe: the exports are pure functions of their
// input, every call is synchronous (no request can interleave with another inside one), and
// the only state they keep is the answer buffer, copied out before the next call. If a call
// ever traps, the instance is dropped and the next request gets a fresh one.
import createEdgepost from './edgepost.mjs';
import { callExport } from './library-call.mjs';
import wasmModule from './edgepost.wasm';

let instance = null;

function instantiate() {
  return createEdgepost({
    // The ES6 glue builds a URL from import.meta.url otherwise, which workerd does not have.
    locateFile: (path) => path,
    instantiateWasm(imports, receive) {
      const wasm = new WebAssembly.Instance(wasmModule, imports);
      receive(wasm, wasmModule);
      return wasm.exports;
    },
    print: (text) => console.log(text),
    printErr: (text) => console.error(text),
  });
}

export async function engine() {
  instance ??= instantiate();
  try {
    return await instance;
  } catch (error) {
    instance = null;
    throw error;
  }
}

// One export call (library-call.mjs); a call that throws drops the instance.
export function call(module, name, input) {
  try {
    return callExport(module, name, input);
  } catch (error) {
    instance = null;
    throw error;
  }
}
