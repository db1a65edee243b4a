import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeKey, encodeKey, encodeRecord, KvDir, MAX_NAME_BYTES, nowSeconds } from '../src/kv-dir.mjs';
import { tempDir } from './helpers.mjs';

const open = (t) => new KvDir(path.join(tempDir(t), 'kv')).ensure();

test('encodeKey keeps a-z 0-9 _ - and escapes every other byte as uppercase %XX', () => {
  assert.equal(encodeKey('config/offer/12'), 'config%2Foffer%2F12');
  assert.equal(encodeKey('Claim/A.b c'), '%43laim%2F%41%2Eb%20c');
  assert.equal(encodeKey('é'), '%C3%A9');
  assert.equal(encodeKey('..'), '%2E%2E');  // never a dot file, never a parent directory
  assert.throws(() => encodeKey(''), /non-empty/);
});

test('decodeKey inverts encodeKey and refuses names encodeKey cannot produce', () => {
  for (const key of ['config/offer/12', 'claim/order/1/abc', 'é€/x', 'outbox/c1-7', 'A%B']) {
    assert.equal(decodeKey(encodeKey(key)), key);
  }
  assert.equal(decodeKey('.tmp-1234'), null);
  assert.equal(decodeKey('config%2foffer'), null, 'lowercase hex');
  assert.equal(decodeKey('%61bc'), null, 'an escaped byte that is kept as itself');
  assert.equal(decodeKey('abc%2'), null, 'truncated escape');
  assert.equal(decodeKey('ABC'), null, 'uppercase letters are always escaped');
  assert.equal(decodeKey('%FF'), null, 'not UTF-8');
});

test('keys whose name would exceed 240 bytes are refused', () => {
  assert.equal(encodeKey('a'.repeat(MAX_NAME_BYTES)).length, MAX_NAME_BYTES);
  assert.throws(() => encodeKey('a'.repeat(MAX_NAME_BYTES + 1)), /too long/);
  assert.throws(() => encodeKey('/'.repeat(81)), /243 bytes/);
});

test('a record is the header line with its expiry, then the value', async (t) => {
  const kv = open(t);
  await kv.writeReplace('config/offer/1', '{"id":1}', { expiresAt: 1893456000 });
  assert.equal(fs.readFileSync(path.join(kv.dir, 'config%2Foffer%2F1'), 'utf8'), 'edgepost-kv 1 1893456000\n{"id":1}');
  assert.deepEqual(await kv.readText('config/offer/1', { now: 1893455999 }), '{"id":1}');
});

test('read honours expiry: a record is absent from its expires_at second on; 0 never expires', async (t) => {
  const kv = open(t);
  await kv.writeReplace('click/a', 'x', { expiresAt: 1000 });
  await kv.writeReplace('click/b', 'y', { expiresAt: 0 });
  assert.equal(await kv.readText('click/a', { now: 999 }), 'x');
  assert.equal(await kv.readText('click/a', { now: 1000 }), null);
  assert.equal(await kv.readText('click/b', { now: 4e9 }), 'y');
  assert.equal(await kv.readText('click/none'), null);
});

test('read refuses a file without the header instead of returning garbage', async (t) => {
  const kv = open(t);
  fs.writeFileSync(path.join(kv.dir, 'broken'), 'hello');
  await assert.rejects(kv.read('broken'), /not an edgepost-kv 1 record/);
});

test('an empty file, an unsynced write torn by a power cut, reads as absent and the sweep deletes it', async (t) => {
  const kv = open(t);
  fs.writeFileSync(path.join(kv.dir, encodeKey('click/torn')), '');
  await kv.writeReplace('click/live', 'x', { expiresAt: nowSeconds() + 60 });
  assert.equal(await kv.read('click/torn'), null);
  assert.deepEqual(await kv.sweep(), { expired: 1, leftovers: 0, unreadable: 0 });
  assert.deepEqual(fs.readdirSync(kv.dir), [encodeKey('click/live')]);
});

test('writeReplace replaces atomically and leaves no temporary file', async (t) => {
  const kv = open(t);
  await kv.writeReplace('k', 'one');
  await kv.writeReplace('k', 'two');
  assert.equal(await kv.readText('k'), 'two');
  assert.deepEqual(fs.readdirSync(kv.dir), ['k']);
});

test('writeIfAbsent writes once; a second writer loses and the first value stays', async (t) => {
  const kv = open(t);
  assert.equal(await kv.writeIfAbsent('claim/x', 'first'), true);
  assert.equal(await kv.writeIfAbsent('claim/x', 'second'), false);
  assert.equal(await kv.readText('claim/x'), 'first');
  assert.deepEqual(fs.readdirSync(kv.dir), ['claim%2Fx'], 'the losers\' temporary files are gone');
});

test('20 concurrent writeIfAbsent of one key: exactly one wins', async (t) => {
  const kv = open(t);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kv.writeIfAbsent('claim/race', `writer ${i}`)));
  assert.equal(results.filter(Boolean).length, 1);
  const winner = results.indexOf(true);
  assert.equal(await kv.readText('claim/race'), `writer ${winner}`);
  assert.deepEqual(fs.readdirSync(kv.dir), ['claim%2Frace']);
});

test('an expired record keeps its key from writeIfAbsent until the sweep deletes it', async (t) => {
  const kv = open(t);
  await kv.writeReplace('claim/old', 'expired', { expiresAt: nowSeconds() - 5 });
  assert.equal(await kv.readText('claim/old'), null, 'absent to readers');
  assert.equal(await kv.writeIfAbsent('claim/old', 'fresh'), false, 'as in wasm/wasi/kv_dir.cpp');
  assert.equal((await kv.sweep()).expired, 1);
  assert.equal(await kv.writeIfAbsent('claim/old', 'fresh'), true);
  assert.equal(await kv.readText('claim/old'), 'fresh');
});

test('remove deletes and reports whether there was something to delete', async (t) => {
  const kv = open(t);
  await kv.writeReplace('k', 'v');
  assert.equal(await kv.remove('k'), true);
  assert.equal(await kv.remove('k'), false);
  assert.equal(await kv.readText('k'), null);
});

test('list returns the keys under a prefix, sorted, without temporary or foreign files', async (t) => {
  const kv = open(t);
  for (const key of ['outbox/b', 'outbox/a', 'outboxx', 'click/1', 'config/offer/1']) await kv.writeReplace(key, '1');
  fs.writeFileSync(path.join(kv.dir, '.tmp-deadbeef'), 'partial');
  fs.writeFileSync(path.join(kv.dir, 'README'), 'not ours');
  assert.deepEqual(await kv.list('outbox/'), ['outbox/a', 'outbox/b']);
  assert.deepEqual(await kv.list(), ['click/1', 'config/offer/1', 'outbox/a', 'outbox/b', 'outboxx']);
});

test('sweep deletes expired records and temporary files older than a minute, nothing else', async (t) => {
  const kv = open(t);
  const now = nowSeconds();
  await kv.writeReplace('click/expired', 'x', { expiresAt: now - 1 });
  await kv.writeReplace('click/live', 'x', { expiresAt: now + 60 });
  await kv.writeReplace('config/offer/1', 'x');
  const oldTemp = path.join(kv.dir, '.tmp-old');
  const newTemp = path.join(kv.dir, '.tmp-new');
  fs.writeFileSync(oldTemp, 'left by a crash');
  fs.writeFileSync(newTemp, 'a writer at work');
  const twoMinutesAgo = new Date(Date.now() - 120_000);
  fs.utimesSync(oldTemp, twoMinutesAgo, twoMinutesAgo);
  fs.writeFileSync(path.join(kv.dir, 'README'), 'not ours');

  assert.deepEqual(await kv.sweep(), { expired: 1, leftovers: 1, unreadable: 0 });
  assert.deepEqual(fs.readdirSync(kv.dir).sort(), ['.tmp-new', 'README', 'click%2Flive', 'config%2Foffer%2F1']);
});

test('a symbolic link in the directory is refused, never read through, and the sweep leaves it', async (t) => {
  const kv = open(t);
  const outside = open(t);
  await outside.writeReplace('secret', 'outside the store', { expiresAt: 1 });
  fs.symlinkSync(outside.fileOf('secret'), kv.fileOf('claim/x'));
  await assert.rejects(kv.read('claim/x'), { code: 'ELOOP' });
  assert.equal(await kv.removeIfExpired(encodeKey('claim/x'), 2), false);
  assert.deepEqual(await kv.sweep({ now: 2 }), { expired: 0, leftovers: 0, unreadable: 0 });
  assert.ok(fs.lstatSync(kv.fileOf('claim/x')).isSymbolicLink());
  assert.equal(await outside.readText('secret', { now: 0 }), 'outside the store');
});

test('sweep lets other work run while it walks, and stops when asked', async (t) => {
  const kv = open(t);
  const now = nowSeconds();
  for (let i = 0; i < 200; i += 1) {
    fs.writeFileSync(kv.fileOf(`click/${i}`), encodeRecord(Buffer.from('x'), i % 2 ? now - 1 : now + 60));
  }
  // Its file operations run on libuv's threads, so a callback queued now runs before it ends.
  let ranMeanwhile = 0;
  const ticker = setInterval(() => { ranMeanwhile += 1; }, 0);
  const result = await kv.sweep();
  clearInterval(ticker);
  assert.deepEqual(result, { expired: 100, leftovers: 0, unreadable: 0 });
  assert.ok(ranMeanwhile > 0, 'the event loop ran during the sweep');

  for (let i = 0; i < 50; i += 1) {
    fs.writeFileSync(kv.fileOf(`click/old-${i}`), encodeRecord(Buffer.from('x'), now - 1));
  }
  const stop = new AbortController();
  stop.abort();
  assert.deepEqual(await kv.sweep({ signal: stop.signal }), { expired: 0, leftovers: 0, unreadable: 0 });
  assert.equal((await kv.list('click/old-')).length, 50);
});
