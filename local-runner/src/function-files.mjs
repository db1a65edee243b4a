// Where the engines find the functions: FUNCTIONS/<name>.wasm, built by the wasi preset.

import fs from 'node:fs';
import path from 'node:path';

export function functionFile(functionsDir, name) {
  const file = path.join(functionsDir, `${name}.wasm`);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: build the WASI functions first ` +
      '(cmake --workflow --preset wasi) or point --functions at the folder that has them');
  }
  return file;
}
