import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { encodeKey, encodeRecord, KvDir } from '../src/kv-dir.mjs';
import { EventsLog } from '../src/events-log.mjs';
import { LedgerLog, parseLedgerLine } from '../src/ledger-log.mjs';
import { tempDir } from './helpers.mjs';

function setup(t, options = {}) {
  const data = tempDir(t);
  const kv = new KvDir(path.join(data, 'kv')).ensure();
  const warnings = [];
  const eventsFile = path.join(data, 'events.log');
  const log = () => new LedgerLog(path.join(data, 'ledger'), kv.dir, new EventsLog(eventsFile), { warn: (line) => warnings.push(line), ...options });
  return { data, kv, warnings, log, eventsFile, logDir: path.join(data, 'ledger') };
}

const write = (op, key, value, expiresAt = 0) => {
  const line = JSON.stringify({ op, file: encodeKey(key), expires_at: expiresAt, value });
  return { record: parseLedgerLine(line), line };
};

function appendAll(ledger, writes, events = []) {
  ledger.append({ records: writes.map((w) => w.record), lines: writes.map((w) => w.line) }, events);
}

const logFiles = (dir) => fs.readdirSync(dir).filter((name) => name.endsWith('.log')).sort();

test('a line names a write in the store or nothing', () => {
  assert.deepEqual(parseLedgerLine('{"op":"put","file":"conversion%2Fc1","expires_at":5,"value":"v"}'),
    { op: 'put', file: 'conversion%2Fc1', expiresAt: 5, value: 'v' });
  for (const bad of [
    '{"op":"remove","file":"conversion%2Fc1","expires_at":0,"value":"v"}',
    '{"op":"put","file":"../kv2/x","expires_at":0,"value":"v"}',
    '{"op":"put","file":".tmp-1","expires_at":0,"value":"v"}',
    '{"op":"put","file":"conversion%2Fc1","expires_at":-1,"value":"v"}',
    '{"op":"put","file":"conversion%2Fc1","expires_at":0,"value":7}',
    '{"op":"put","file":"conversion%2Fc1","expires_at":0,"val',
    'null',
  ]) assert.equal(parseLedgerLine(bad), null, bad);
});

test('a run\'s puts reach kv/ once its writes are durable; its adds are the function\'s to write', async (t) => {
  const { kv, log } = setup(t);
  const ledger = log();
  await ledger.recover();
  const writes = [write('add', 'conversion/c1', 'accepted'), write('add', 'outbox/c1-7', 'entry'), write('put', 'conversion/c1', 'complete', 1800000000)];
  appendAll(ledger, writes);
  await ledger.durable();
  ledger.apply(writes.map((w) => w.record));
  assert.equal(await kv.readText('conversion/c1'), 'complete');
  assert.equal((await kv.read('conversion/c1')).expiresAt, 1800000000);
  assert.equal(await kv.readText('outbox/c1-7'), null, 'an add is written by the function, not applied again');
  await ledger.close();
});

test('after a crash, every logged write is in kv/ again, in order; a torn last line is not', async (t) => {
  const { data, kv, warnings, log, logDir, eventsFile } = setup(t);
  const first = log();
  await first.recover();
  appendAll(first, [write('add', 'conversion/c1', 'accepted'), write('add', 'outbox/c1-7', 'entry'), write('add', 'outbox/c2-7', 'entry 2'),
    write('put', 'conversion/c1', 'complete'), write('add', 'conversion/c3', 'c3 as logged')],
  ['{"type":"conversion","id":"conversion:c1"}', '{"type":"conversion","id":"conversion:c3"}']);
  await first.durable();
  // events.log kept the first event, and a part of the second that a power cut tore.
  fs.writeFileSync(eventsFile, '{"type":"conversion","id":"conversion:c1"}\n{"type":"conv');
  // The crash: the process is gone without close(). The power cut took the unsynced files.
  fs.rmSync(kv.fileOf('conversion/c1'), { force: true });
  fs.writeFileSync(kv.fileOf('outbox/c1-7'), '');  // torn: its data never reached the disk
  fs.writeFileSync(kv.fileOf('outbox/c2-7'), encodeRecord('entry 2, delivered since'));
  fs.writeFileSync(kv.fileOf('conversion/c3'), encodeRecord('c3 completed since'));
  fs.appendFileSync(path.join(logDir, logFiles(logDir)[0]), '{"op":"put","file":"conversion%2Fc9","expires_at":0,"va');

  const second = log();
  const replayed = await second.recover();
  assert.deepEqual(replayed, { logs: 1, writes: 5, events: 1 });
  assert.deepEqual(fs.readFileSync(eventsFile, 'utf8').split('\n'),
    ['{"type":"conversion","id":"conversion:c1"}', '{"type":"conv', '{"type":"conversion","id":"conversion:c3"}', ''],
    'the missing event is appended once, on a line of its own');
  assert.equal(await kv.readText('conversion/c1'), 'complete');
  assert.equal(await kv.readText('outbox/c1-7'), 'entry');
  assert.equal(await kv.readText('outbox/c2-7'), 'entry 2, delivered since', 'an add never replaces a record');
  assert.equal(await kv.readText('conversion/c3'), 'c3 completed since');
  assert.equal(await kv.readText('conversion/c9'), null, 'a torn line was never acknowledged');
  assert.deepEqual(warnings, []);
  assert.deepEqual(logFiles(logDir), ['2.log'], 'the replayed log is gone, a new one is open');
  assert.deepEqual(fs.readdirSync(kv.dir).filter((name) => name.startsWith('.tmp-')), []);
  await second.close();
  assert.ok(fs.existsSync(data));
});

test('a line in the middle that is not a write is reported and skipped', async (t) => {
  const { kv, warnings, log, logDir } = setup(t);
  fs.mkdirSync(logDir, { recursive: true });
  fs.writeFileSync(path.join(logDir, '7.log'), [write('put', 'conversion/c1', 'one').line, 'garbage', write('put', 'conversion/c2', 'two').line, ''].join('\n'));
  const ledger = log();
  assert.deepEqual(await ledger.recover(), { logs: 1, writes: 2, events: 0 });
  assert.equal(await kv.readText('conversion/c2'), 'two');
  assert.match(warnings.join('\n'), /7\.log:2: not a ledger record/);
  assert.deepEqual(logFiles(logDir), ['8.log']);
  await ledger.close();
});

test('a checkpoint starts a new log and deletes the old one once its files are synced', async (t) => {
  const { kv, log, logDir } = setup(t, { checkpointBytes: 200 });
  const ledger = log();
  await ledger.recover();
  const writes = [write('put', 'conversion/c1', 'x'.repeat(300))];
  appendAll(ledger, writes);
  await ledger.durable();
  ledger.apply(writes.map((w) => w.record));  // over checkpointBytes: starts one
  await ledger.checkpointing;
  assert.deepEqual(logFiles(logDir), ['2.log']);
  assert.deepEqual(fs.readFileSync(path.join(logDir, '2.log'), 'utf8'), '{"op":"events_at","bytes":0}\n', 'only where it began');
  appendAll(ledger, [write('put', 'conversion/c2', 'two')]);
  await ledger.durable();
  await ledger.close();  // an orderly stop checkpoints too
  assert.deepEqual(logFiles(logDir), ['3.log']);
  const next = log();
  assert.deepEqual(await next.recover(), { logs: 1, writes: 0, events: 0 });
  await next.close();
  assert.equal(await kv.readText('conversion/c1'), 'x'.repeat(300));
});

test('events whose events.log is gone altogether are written back', async (t) => {
  const { log, eventsFile } = setup(t);
  const first = log();
  await first.recover();
  appendAll(first, [], ['{"type":"conversion","id":"conversion:c1"}']);
  await first.durable();
  fs.rmSync(eventsFile, { force: true });
  const second = log();
  assert.deepEqual(await second.recover(), { logs: 1, writes: 0, events: 1 });
  assert.equal(fs.readFileSync(eventsFile, 'utf8'), '{"type":"conversion","id":"conversion:c1"}\n');
  await second.close();
});

test('a checkpoint that fails keeps its log for the next one, and for the next start in order', async (t) => {
  const { data, kv, log, logDir } = setup(t);
  const ledger = log();
  await ledger.recover();
  appendAll(ledger, [write('put', 'conversion/c1', 'first')]);
  await ledger.durable();
  const durable = ledger.events.durable.bind(ledger.events);
  ledger.events.durable = () => Promise.reject(new Error('the disk is gone'));
  await assert.rejects(ledger.checkpoint(), /the disk is gone/);
  assert.deepEqual(logFiles(logDir), ['1.log', '2.log']);
  appendAll(ledger, [write('put', 'conversion/c1', 'second')]);
  await ledger.durable();

  // A crash now: the next start replays both, the older first.
  const copy = path.join(data, 'copy');
  fs.cpSync(logDir, copy, { recursive: true });
  ledger.events.durable = durable;
  await ledger.checkpoint();
  assert.deepEqual(logFiles(logDir), ['3.log'], 'the next checkpoint deletes what the failed one left');
  await ledger.close();
  fs.rmSync(logDir, { recursive: true });
  fs.renameSync(copy, logDir);
  fs.rmSync(kv.fileOf('conversion/c1'), { force: true });
  const next = log();
  assert.deepEqual(await next.recover(), { logs: 2, writes: 2, events: 0 });
  assert.equal(await kv.readText('conversion/c1'), 'second');
  await next.close();
});
