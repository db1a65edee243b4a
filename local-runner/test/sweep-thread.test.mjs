// The sweeps on serve's sweep thread: the indexed sweep of sealed buckets and the full walk give
// the answers they give in-thread, an abort ends one early with the rest left for the next, and
// a failure crosses the thread with its code (which tells a resource running out), and a
// thread that is gone fails every later call at once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ExpiryIndex } from '../src/expiry-index.mjs';
import { KvDir } from '../src/kv-dir.mjs';
import { SweepThread } from '../src/sweep-thread-client.mjs';
import { tempDir } from './helpers.mjs';

const NOW = 1_800_000_000;

function setup(t) {
  const data = tempDir(t);
  const index = new ExpiryIndex(path.join(data, 'expiry'));
  const kv = new KvDir(path.join(data, 'kv'), { onExpiring: (name, at) => index.add(name, at) }).ensure();
  const thread = new SweepThread({ kvDir: kv.dir, indexDir: index.dir });
  t.after(() => thread.close());
  return { index, kv, thread };
}

test('sweep thread: sealed buckets and the full walk delete what is expired, on the other thread', async (t) => {
  const { index, kv, thread } = setup(t);
  await kv.writeReplace('click/a', 'x', { expiresAt: NOW - 700 });
  await kv.writeReplace('click/kept', 'x', { expiresAt: NOW + 3600 });
  for (let i = 0; i < 5; i += 1) await new KvDir(kv.dir).writeReplace(`click/unindexed${i}`, 'x', { expiresAt: NOW - 700 });

  const files = index.seal(NOW);
  assert.deepEqual(files, [`${Math.floor((NOW - 700) / 600)}.sweeping`]);
  assert.deepEqual(await thread.buckets(files, { now: NOW }), { expired: 1, unreadable: 0, buckets: 1 });
  assert.deepEqual(fs.readdirSync(index.dir).filter((name) => name.endsWith('.sweeping')), []);
  assert.deepEqual(await thread.walk({ now: NOW }), { expired: 5, leftovers: 0, unreadable: 0 });
  assert.deepEqual(await kv.list('click/'), ['click/kept']);
});

test('sweep thread: an abort ends the walk early, and the next walk does the rest', async (t) => {
  const { kv, thread } = setup(t);
  for (let i = 0; i < 2000; i += 1) await kv.writeReplace(`click/n${i}`, 'x', { expiresAt: NOW - 10 });
  const stop = new AbortController();
  const walking = thread.walk({ now: NOW, signal: stop.signal });
  setTimeout(() => stop.abort(), 5);
  const first = await walking;
  assert.ok(first.expired < 2000, JSON.stringify(first));
  const second = await thread.walk({ now: NOW });
  assert.equal(first.expired + second.expired, 2000);
});

test('sweep thread: a failure comes back as an error with its code', async (t) => {
  const data = tempDir(t);
  const notADirectory = path.join(data, 'file');
  fs.writeFileSync(notADirectory, '');
  const thread = new SweepThread({ kvDir: notADirectory, indexDir: data });
  t.after(() => thread.close());
  await assert.rejects(thread.walk({ now: NOW }), (error) => error.code === 'ENOTDIR');
  await thread.close();
  await assert.rejects(thread.walk({ now: NOW }), /sweep thread exited/, 'a thread that is gone fails at once, never hangs');
});
