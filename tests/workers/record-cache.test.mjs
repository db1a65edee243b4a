// The Worker's copies of records read with a max age (wasm/workers/src/record-cache.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordCache } from '../../wasm/workers/src/record-cache.mjs';

function store(values) {
  const fetched = [];
  return { fetched, fetch: async (keys) => { fetched.push(keys); return keys.map((key) => values[key] ?? null); } };
}

test('record cache: a copy younger than the max age is served without a read; an older one is read again', async () => {
  let now = 1_000_000;
  const cache = new RecordCache({ clock: () => now });
  const kv = store({ a: 'A1', b: 'B1' });
  assert.deepEqual(await cache.read(['a', 'b', 'c'], 30, kv.fetch), ['A1', 'B1', null]);
  now += 30_000;
  assert.deepEqual(await cache.read(['a', 'b', 'c'], 30, kv.fetch), ['A1', 'B1', null], 'absences are kept too');
  assert.equal(kv.fetched.length, 1);
  const changed = store({ a: 'A2', c: 'C2' });
  now += 1;
  assert.deepEqual(await cache.read(['a', 'c'], 30, changed.fetch), ['A2', 'C2']);
  assert.deepEqual(changed.fetched, [['a', 'c']]);
  assert.deepEqual(await cache.read(['a', 'b', 'c'], 30, changed.fetch), ['A2', null, 'C2'], 'b, read 30.001 s ago, is read again');
  assert.deepEqual(changed.fetched, [['a', 'c'], ['b']]);
});

test('record cache: only the keys without a young copy are read, in one call; the answer keeps the order asked', async () => {
  let now = 0;
  const cache = new RecordCache({ clock: () => now });
  await cache.read(['b'], 10, store({ b: 'B' }).fetch);
  now += 5_000;
  const kv = store({ a: 'A', b: 'B-new', c: 'C' });
  assert.deepEqual(await cache.read(['a', 'b', 'c'], 10, kv.fetch), ['A', 'B', 'C']);
  assert.deepEqual(kv.fetched, [['a', 'c']]);
  assert.deepEqual(await cache.read(['b'], 4, kv.fetch), ['B-new'], 'a shorter max age reads again');
});

test('record cache: past its limit the oldest read goes first', async () => {
  const cache = new RecordCache({ limit: 2, clock: () => 0 });
  await cache.read(['a', 'b'], 60, store({ a: 'A', b: 'B' }).fetch);
  await cache.read(['c'], 60, store({ c: 'C' }).fetch);
  const kv = store({ a: 'A2', b: 'B2', c: 'C2' });
  assert.deepEqual(await cache.read(['a', 'b', 'c'], 60, kv.fetch), ['A2', 'B', 'C']);
  assert.deepEqual(kv.fetched, [['a']]);
});
