import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EventsLog } from '../src/events-log.mjs';
import { tempDir } from './helpers.mjs';

const readLines = (file) => fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));

test('events that cannot be written are kept, in order, and written once the file can be', async (t) => {
  const dir = path.join(tempDir(t), 'not-yet');
  const file = path.join(dir, 'events.log');
  const warnings = [];
  const log = new EventsLog(file, { warn: (line) => warnings.push(line) });
  await log.appendEvent({ type: 'click', n: 1 });
  await log.appendLines(log.eventLines('click.wasm', '{"type":"click","n":2}\nnot json\n'));
  assert.equal(fs.existsSync(file), false);
  assert.ok(warnings.some((w) => /cannot append .* bytes kept to write later/.test(w)), warnings.join('\n'));
  assert.ok(warnings.includes('[click.wasm] not json'));

  fs.mkdirSync(dir);
  await log.appendEvent({ type: 'conversion', n: 3 });
  assert.deepEqual(readLines(file).map((e) => e.n), [1, 2, 3], 'nothing lost, nothing doubled');
  await log.close();
});

// Visible from outside: after a rename, appends still reach the renamed file (its inode), where
// an open per append would create a new file. Rotation therefore needs copytruncate.
test('the log writes through one descriptor held open, not an open per append', async (t) => {
  const file = path.join(tempDir(t), 'events.log');
  const log = new EventsLog(file);
  await log.appendEvent({ n: 0 });
  fs.renameSync(file, `${file}.1`);
  for (let n = 1; n <= 200; n += 1) log.appendEvent({ n });
  await log.flush();
  assert.equal(fs.existsSync(file), false);
  assert.equal(readLines(`${file}.1`).length, 201);
  await log.close();
});

test('durable() resolves once the lines appended before it are written and synced', async (t) => {
  const file = path.join(tempDir(t), 'events.log');
  const log = new EventsLog(file);
  t.after(() => log.close());
  const waits = [];
  for (let n = 1; n <= 20; n += 1) {
    log.appendEvent({ n });
    waits.push(log.durable());
  }
  await Promise.all(waits);
  assert.equal(readLines(file).length, 20);
  assert.ok(log.commit.syncs <= 2, `20 waiters took ${log.commit.syncs} fdatasyncs`);
});

test('durable() fails while lines cannot be written, and succeeds once they are', async (t) => {
  const dir = path.join(tempDir(t), 'not-yet');
  const file = path.join(dir, 'events.log');
  const log = new EventsLog(file, { warn: () => {} });
  t.after(() => log.close());
  await log.appendEvent({ type: 'conversion', n: 1 });
  await assert.rejects(log.durable(), /bytes of events not written yet/);
  fs.mkdirSync(dir);
  await log.durable();
  assert.deepEqual(readLines(file).map((e) => e.n), [1]);
});
