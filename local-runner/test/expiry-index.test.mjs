import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BUCKET_SECONDS, ExpiryIndex } from '../src/expiry-index.mjs';
import { KvDir } from '../src/kv-dir.mjs';
import { tempDir } from './helpers.mjs';

const NOW = 1_800_000_000;  // a bucket boundary: 1.8e9 / 600 is whole

function setup(t) {
  const data = tempDir(t);
  const index = new ExpiryIndex(path.join(data, 'expiry'));
  const kv = new KvDir(path.join(data, 'kv'), { onExpiring: (name, at) => index.add(name, at) }).ensure();
  return { data, index, kv };
}

test('the sweep deletes what the passed buckets name and touches nothing else', async (t) => {
  const { index, kv } = setup(t);
  await kv.writeReplace('click/a', 'x', { expiresAt: NOW - 700 });
  await kv.writeReplace('click/b', 'x', { expiresAt: NOW - 1 });
  await kv.writeReplace('click/later', 'x', { expiresAt: NOW + 5 });         // expires in the current bucket
  await kv.writeReplace('click/renewed', 'x', { expiresAt: NOW - 100 });
  await kv.writeReplace('click/renewed', 'y', { expiresAt: NOW + 3600 });    // rewritten: kept
  await kv.writeReplace('config/offer/1', 'x');                              // never expires: not indexed
  const unindexed = new KvDir(kv.dir);                                       // e.g. a directory older than the index
  for (let i = 0; i < 50; i += 1) await unindexed.writeReplace(`click/old${i}`, 'x', { expiresAt: NOW - 700 });

  const result = await index.sweep(kv, { now: NOW });
  assert.deepEqual(result, { expired: 2, unreadable: 0, buckets: 2 });
  const left = await kv.list('click/');
  assert.deepEqual(left.filter((k) => !k.startsWith('click/old')), ['click/later', 'click/renewed']);
  assert.equal(left.length, 52, 'the unindexed records were not walked');
  assert.deepEqual(fs.readdirSync(index.dir).sort(), [String(NOW / BUCKET_SECONDS), String(NOW / BUCKET_SECONDS + 6)]);

  assert.deepEqual(await index.sweep(kv, { now: NOW + 3600 + BUCKET_SECONDS }), { expired: 2, unreadable: 0, buckets: 2 });
  assert.deepEqual(await kv.list('click/later'), []);
  assert.deepEqual(fs.readdirSync(index.dir), []);
  const walked = await kv.sweep({ now: NOW });
  assert.equal(walked.expired, 50, 'the full walk finds what the index never named');
});

test('a name that is no key, a missing file and a foreign file in the bucket do no harm', async (t) => {
  const { data, index, kv } = setup(t);
  fs.writeFileSync(path.join(data, 'outside'), 'edgepost-kv 1 1\nx');
  fs.mkdirSync(index.dir, { recursive: true });
  fs.writeFileSync(path.join(index.dir, String(NOW / BUCKET_SECONDS - 1)), '../outside\nclick%2Fgone\n\nnot-a-record\n');
  fs.writeFileSync(path.join(kv.dir, 'not-a-record'), 'garbage');
  fs.writeFileSync(path.join(index.dir, 'notes.txt'), 'left alone');
  assert.deepEqual(await index.sweep(kv, { now: NOW }), { expired: 0, unreadable: 1, buckets: 1 });
  assert.ok(fs.existsSync(path.join(data, 'outside')));
  assert.ok(fs.existsSync(path.join(kv.dir, 'not-a-record')));
  assert.deepEqual(fs.readdirSync(index.dir), ['notes.txt']);
});

test('a bucket is renamed away before it is swept: a line added meanwhile is kept for the next sweep', async (t) => {
  const { index, kv } = setup(t);
  for (let i = 0; i < 2000; i += 1) await kv.writeReplace(`click/n${i}`, 'x', { expiresAt: NOW - 10 });
  const sweeping = index.sweep(kv, { now: NOW });
  await new Promise((resolve) => setImmediate(resolve));
  await kv.writeReplace('click/meanwhile', 'x', { expiresAt: NOW - 10 });
  index.flush();
  assert.equal((await sweeping).expired, 2000);
  assert.deepEqual(await kv.list('click/'), ['click/meanwhile']);
  assert.equal((await index.sweep(kv, { now: NOW })).expired, 1);
});

test('an interrupted sweep leaves its bucket; the next one finishes it, and the one after what was added meanwhile', async (t) => {
  const { index, kv } = setup(t);
  for (let i = 0; i < 500; i += 1) await kv.writeReplace(`click/n${i}`, 'x', { expiresAt: NOW - 10 });
  const stop = new AbortController();
  const sweeping = index.sweep(kv, { now: NOW, signal: stop.signal });
  await new Promise((resolve) => setImmediate(resolve));
  stop.abort();
  const first = await sweeping;
  assert.ok(first.expired < 500 && first.buckets === 0, JSON.stringify(first));
  await kv.writeReplace('click/next', 'x', { expiresAt: NOW - 10 });  // same bucket, new file
  const second = await index.sweep(kv, { now: NOW });
  assert.equal(first.expired + second.expired, 500);
  assert.deepEqual(await kv.list('click/'), ['click/next'], 'its bucket waits: sealing it would replace the unfinished one');
  assert.deepEqual(await index.sweep(kv, { now: NOW }), { expired: 1, unreadable: 0, buckets: 1 });
  assert.deepEqual(await kv.list('click/'), []);
  assert.deepEqual(fs.readdirSync(index.dir), []);
});

test('clean is marked only with every line written and a walk behind it, and is used up by the next start', (t) => {
  const { index } = setup(t);
  assert.equal(index.takeClean(), null, 'a directory without the mark (first start, or after a kill)');
  index.add('click%2Fa', NOW);
  index.markClean(1_700_000_000_000);
  assert.equal(fs.readFileSync(path.join(index.dir, String(NOW / BUCKET_SECONDS)), 'utf8'), 'click%2Fa\n');
  assert.equal(index.takeClean(), 1_700_000_000_000, 'when the last walk ended');
  assert.equal(index.takeClean(), null);

  index.markClean(null);  // stopped before the walk it owed was done: the next start walks
  assert.equal(index.takeClean(), null);
  index.lost = true;      // lines were dropped (memory bound): the next start must walk
  index.markClean(1_700_000_000_000);
  assert.equal(index.takeClean(), null);
});

test('a failing append keeps its lines, is said once, and they are written when it can', (t) => {
  const data = tempDir(t);
  const blocked = path.join(data, 'expiry');
  fs.writeFileSync(blocked, 'a file where the directory should be');
  const logs = [];
  const index = new ExpiryIndex(blocked, { log: (line) => logs.push(line) });
  index.add('click%2Fa', NOW);
  index.flush();
  index.add('click%2Fb', NOW);
  index.flush();
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0], /^expiry index: cannot append to .*\(1 lines kept; tried again every second\)$/);
  fs.rmSync(blocked);
  index.flush();
  assert.equal(fs.readFileSync(path.join(blocked, String(NOW / BUCKET_SECONDS)), 'utf8'), 'click%2Fa\nclick%2Fb\n');
  assert.match(logs[1], /^expiry index: appending to .* again$/);
  assert.equal(logs.length, 2);
});
