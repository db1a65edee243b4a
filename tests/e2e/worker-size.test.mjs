// The Worker bundle against the platform's size limit: Cloudflare measures the whole upload
// (all modules, the .wasm included) after gzip; 3 MB on the free plan (10 MB paid). We check
// against the smaller one, and print the sizes the README quotes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { bundleDir } from './worker-target.mjs';

const FREE_PLAN_LIMIT = 3 * 1024 * 1024;

function sizes(files) {
  const raw = files.reduce((sum, file) => sum + fs.statSync(file).size, 0);
  const gzip = files.reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length, 0);
  return { raw, gzip };
}

test('the Worker bundle fits the Workers free-plan limit (3 MB gzip)', () => {
  const files = fs.readdirSync(bundleDir, { recursive: true }).map((name) => path.join(bundleDir, name))
    .filter((file) => fs.statSync(file).isFile());
  const wasm = sizes(files.filter((f) => f.endsWith('.wasm')));
  const all = sizes(files);
  console.log(`edgepost.wasm: ${wasm.raw} bytes raw, ${wasm.gzip} gzip; ` +
    `whole bundle (${files.length} files): ${all.raw} raw, ${all.gzip} gzip`);
  assert.ok(wasm.raw > 0, 'the bundle has its .wasm');
  assert.ok(all.gzip < FREE_PLAN_LIMIT, `${all.gzip} bytes gzip exceeds ${FREE_PLAN_LIMIT}`);
});
