// Where the node engine runs a function: a run that only computes and would be the engine's
// only one runs on the main thread (no hand-over to a thread and back); every other run goes
// to the thread pool. The pool's run() is watched, and held, to see which runs reach it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { NodeEngine } from '../src/node-engine.mjs';
import { FIXTURE_WASM, tempDir } from './helpers.mjs';

const REQUEST = { method: 'GET', path: '/click', query: 'offer_id=1', headers: {}, body: '', remoteAddr: '203.0.113.9' };

// hold: each run that reaches the pool waits there until releaseAll().
async function engineWithWatchedPool(t, { hold = true } = {}) {
  const root = tempDir(t);
  const functionsDir = path.join(root, 'functions');
  const kvDir = path.join(root, 'kv');
  fs.mkdirSync(functionsDir);
  fs.mkdirSync(kvDir);
  fs.copyFileSync(FIXTURE_WASM, path.join(functionsDir, 'click.wasm'));
  const engine = await NodeEngine.create({ functionsDir, kvDir, functions: ['click'], threads: 2 });
  t.after(() => engine.close());
  const onPool = [];
  const holds = [];
  const poolRun = engine.pool.run.bind(engine.pool);
  engine.pool.run = async (name, options) => {
    onPool.push(name);
    if (hold) await new Promise((release) => holds.push(release));
    return poolRun(name, options);
  };
  const releaseAll = () => holds.splice(0).forEach((release) => release());
  return { engine, onPool, releaseAll };
}

const answered = (response) => assert.equal(response.status, 200);

test('node engine: a computing run that would be the only one runs on the main thread', async (t) => {
  const { engine, onPool } = await engineWithWatchedPool(t, { hold: false });
  answered(await engine.cgi('click', REQUEST, { computes: true }));
  answered(await engine.cgi('click', REQUEST, { computes: true }));
  assert.deepEqual(onPool, []);
  assert.equal(engine.runsUnderWay, 0);
});

test('node engine: a run that waits on the disk always goes to a thread', async (t) => {
  const { engine, onPool, releaseAll } = await engineWithWatchedPool(t);
  const run = engine.cgi('click', REQUEST);
  await waitUntil(() => onPool.length === 1);
  releaseAll();
  answered(await run);
});

test('node engine: a computing run goes to a thread while another run is under way', async (t) => {
  const { engine, onPool, releaseAll } = await engineWithWatchedPool(t);
  const disk = engine.cgi('click', REQUEST);
  await waitUntil(() => onPool.length === 1);
  const click = engine.cgi('click', REQUEST, { computes: true });
  await waitUntil(() => onPool.length === 2);
  releaseAll();
  answered(await disk);
  answered(await click);
  // Once both are done, the next click is the only run again.
  answered(await engine.cgi('click', REQUEST, { computes: true }));
  assert.equal(onPool.length, 2);
});

async function waitUntil(condition) {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition not reached within 1 s');
}
