// Where engines keep what they derive from the functions (compiled code, transpiled
// components): $EDGEPOST_CACHE_DIR, else $XDG_CACHE_HOME/edgepost, else ~/.cache/edgepost.
// Owned by the runner's user (0700): compiled code from a cache another user can write to would
// be code that user chose.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

export function engineCacheDir(name, env = process.env) {
  const root = env.EDGEPOST_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'edgepost');
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
