import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunPlaces } from '../src/run-places.mjs';

// Runs that each end when told to: `arrive` queues one, `finish` ends the running one of that
// name, and `started` lists the runs in the order they began.
function harness(places) {
  const started = [];
  const running = [];
  let maxRunning = 0;
  let maxComputing = 0;
  const arrive = (name, computes) => places.run(() => new Promise((end) => {
    started.push(name);
    running.push({ name, computes, end });
    maxRunning = Math.max(maxRunning, running.length);
    maxComputing = Math.max(maxComputing, running.filter((r) => r.computes).length);
  }), { computes });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const finish = async (name) => {
    const i = running.findIndex((r) => r.name === name);
    assert.ok(i >= 0, `${name} is running`);
    running.splice(i, 1)[0].end();
    await settle();
  };
  return { arrive, finish, settle, started, running, max: () => ({ maxRunning, maxComputing }) };
}

test('on one place, runs start in arrival order, clicks and postbacks alike', async () => {
  const h = harness(new RunPlaces({ places: 1, computePlaces: 1 }));
  const arrivals = ['click 0', 'postback 0', 'click 1', 'postback 1', 'click 2', 'postback 2'];
  for (const name of arrivals) h.arrive(name, name.startsWith('click'));
  await h.settle();
  while (h.running.length > 0) await h.finish(h.running[0].name);
  assert.deepEqual(h.started, arrivals, 'a click waits for its turn, not behind every postback that came after it');
});

test('a postback passes clicks that wait for a compute place; a click takes the first compute place that frees', async () => {
  const h = harness(new RunPlaces({ places: 3, computePlaces: 1 }));
  h.arrive('click 0', true);
  h.arrive('click 1', true);
  h.arrive('postback 0', false);
  h.arrive('postback 1', false);
  h.arrive('postback 2', false);
  await h.settle();
  assert.deepEqual(h.started, ['click 0', 'postback 0', 'postback 1']);
  await h.finish('click 0');
  assert.deepEqual(h.started.slice(3), ['click 1'], 'the waiting click, before the later postback');
  await h.finish('postback 0');
  assert.deepEqual(h.started.slice(4), ['postback 2']);
  while (h.running.length > 0) await h.finish(h.running[0].name);
  assert.deepEqual(h.max(), { maxRunning: 3, maxComputing: 1 });
});

test('a run that fails frees its places', async () => {
  const places = new RunPlaces({ places: 1 });
  await assert.rejects(places.run(async () => { throw new Error('trap'); }, { computes: true }), /trap/);
  assert.equal(await places.run(async () => 'next', { computes: true }), 'next');
});

test('an engine needs at least one place of each kind', () => {
  assert.throws(() => new RunPlaces({ places: 0 }), /at least 1 of its places, not 0/);
  assert.throws(() => new RunPlaces({ places: 2, computePlaces: 0 }), /at least 1 of its compute places, not 0/);
});
