// The version of the installed npm package that holds a file: the nearest package.json above
// it. Engines name the exact versions they run on.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersionOf(fileOrUrl) {
  let dir = path.dirname(fileOrUrl.startsWith('file:') ? fileURLToPath(fileOrUrl) : fileOrUrl);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
