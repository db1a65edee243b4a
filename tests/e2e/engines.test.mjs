// The runner's WASI hosts side by side on one probe module (wasi-probe/main.cpp): what each
// answers to the raw calls the directory store makes, and what the store makes of it. The
// store's results must be the same everywhere; the raw answers may differ, and where they do,
// the difference is pinned here and explained in docs/wasi-engines.md, so that a new engine
// version that changes it fails this test instead of changing the store's behaviour unseen.
// (The wasmtime CLI is not installable here; its stand-in is node:wasi, so it is left out.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine } from '../../local-runner/src/engine.mjs';
import { functionsDir } from './functions.mjs';

const ENGINES = ['node', 'wasmtime-engine', 'jco'];
// wasi-libc's errno numbers (WASI preview1's).
const EBADF = 8;
const EEXIST = 20;
const ENOENT = 44;
const EPERM = 63;
const ENOTCAPABLE = 76;

async function probe(kind) {
  const kvDir = fs.mkdtempSync(path.join(os.tmpdir(), `edgepost-probe-${kind}-`));
  try {
    const engine = await createEngine({ kind, functionsDir, kvDir, functions: ['wasi-probe'] });
    const run = await engine.command('wasi-probe', { kv: true });
    assert.equal(run.exitCode, 0, `${kind}: ${run.stderr}`);
    return { description: engine.description, ...JSON.parse(run.stdout) };
  } finally {
    fs.rmSync(kvDir, { recursive: true, force: true });
  }
}

const reports = {};

for (const kind of ENGINES) {
  test(`${kind}: the directory store's results`, async (t) => {
    reports[kind] = await probe(kind);
    t.diagnostic(`${kind}: ${reports[kind].description}`);
    assert.deepEqual(reports[kind].store, {
      put: 'written',
      put_again: 'written',
      get_replaced: 'two',
      put_if_absent: 'written',
      put_if_absent_again: 'exists',
      get_claim: 'first',
      put_expired: 'written',
      get_expired: null,
      get_missing: null,
      keys: ['probe/claim', 'probe/expired', 'probe/replaced'],
      remove: 'written',
      remove_missing: 'written',
      get_removed: null,
    });
  });
}

test('the raw answers: the same on every engine but for fd_sync on a directory and the code of an escape', () => {
  assert.deepEqual(Object.keys(reports).sort(), [...ENGINES].sort(), 'every engine was probed');
  const common = {
    create_exclusive: 0,
    create_exclusive_existing: EEXIST,
    link: 0,
    link_existing: EEXIST,
    rename_over_existing: 0,
    unlink: 0,
    unlink_missing: ENOENT,
    open_missing: ENOENT,
    clock_realtime: 0,
    clock_realtime_after_2020: true,
    clock_monotonic: 0,
    getentropy: 0,
    entropy_nonzero_bytes_at_least_24: true,
  };
  // node:wasi syncs a directory; wasmtime's preview1 (inside wizer, and as the adapter jco runs
  // behind preview2-shim) answers EBADF: preview1 defines fd_sync for files.
  const fsyncDirectory = { node: 0, 'wasmtime-engine': EBADF, jco: EBADF };
  // A path that leaves the preopen ("/kv/../escape"): refused everywhere, but node:wasi says
  // ENOTCAPABLE, the code preview1 defines for it, and wasmtime EPERM. The store never builds
  // such a path; a function that did would see either.
  const openOutside = { node: ENOTCAPABLE, 'wasmtime-engine': EPERM, jco: EPERM };
  for (const kind of ENGINES) {
    const { fsync_directory: fsync, open_outside_preopen: outside, ...rest } = reports[kind].raw;
    assert.deepEqual(rest, common, kind);
    assert.equal(fsync, fsyncDirectory[kind], `${kind}: fd_sync on a directory`);
    assert.equal(outside, openOutside[kind], `${kind}: a path outside the preopen`);
  }
});
