// deploy/cloudflare/kv-bulk.mjs: the records to write and, from the keys stored now, the keys a
// config upload must delete (issue 9, item 9). Runs the real library in the Worker bundle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { networkConfig } from './network.mjs';
import { bundleDir } from './worker-target.mjs';

const KV_BULK = fileURLToPath(new URL('../../deploy/cloudflare/kv-bulk.mjs', import.meta.url));
const config = networkConfig({ landing: 'https://shop.example/landing', partner: (aff) => `https://partner.example/${aff}` });

function setup(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-kv-bulk-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name, value) => {
    const full = path.join(dir, name);
    if (value !== undefined) fs.writeFileSync(full, typeof value === 'string' ? value : JSON.stringify(value));
    return full;
  };
  return { file };
}

function kvBulk(args) {
  const run = spawnSync(process.execPath, [KV_BULK, ...args, '--bundle', bundleDir], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('the stored keys of entities no longer in the config are listed for deletion, nothing else', (t) => {
  const { file } = setup(t);
  const first = kvBulk([file('config.json', config)]);
  assert.equal(first.status, 0, first.stderr);
  const written = JSON.parse(first.stdout).map((r) => r.key);
  assert.ok(written.includes('config/offer/500'));

  // The network drops offer 500 and affiliate 9; wrangler lists what the last upload stored.
  const smaller = { ...config, offers: config.offers.filter((o) => o.id !== 500),
    affiliates: config.affiliates.filter((a) => a.id !== 9) };
  const listing = [...written, 'click/abc', 'outbox/x-7'].map((name) => ({ name }));
  const run = kvBulk([file('smaller.json', smaller), '--stored', file('stored.json', listing), '--deletes', file('delete.json')]);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(file('delete.json'), 'utf8')), ['config/affiliate/9', 'config/offer/500']);
  assert.ok(!JSON.parse(run.stdout).some((r) => r.key === 'config/offer/500'));
  assert.match(run.stderr, /to write, 2 to delete/);

  // A plain list of key strings is taken too; an unchanged config deletes nothing.
  const same = kvBulk([file('config.json'), '--stored', file('keys.json', written), '--deletes', file('none.json')]);
  assert.equal(same.status, 0, same.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(file('none.json'), 'utf8')), []);
});

test('bad input: a clear message, exit status 2 (usage) or 1 (invalid config), no files written', (t) => {
  const { file } = setup(t);
  const cases = [
    [['--stored', file('s.json', '[]')], /one config file is needed/],
    [[file('c.json', config), '--stored', file('s2.json', '[]')], /--stored and --deletes go together/],
    [[file('c.json'), '--stored', file('bad.json', '{"name":1}'), '--deletes', file('d1.json')], /not a JSON array/],
    [[file('c.json'), '--stored', file('bad2.json', '[{"key":"config/offer/1"}]'), '--deletes', file('d2.json')], /entry 0 is neither a key/],
    [[file('c.json'), '--stored', file('bad3.json', 'nope'), '--deletes', file('d3.json')], /--stored .*bad3\.json/],
  ];
  for (const [args, message] of cases) {
    const run = kvBulk(args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
  const invalid = kvBulk([file('invalid.json', { ...config, offers: [{ id: 1 }] }), '--stored', file('s3.json', '[]'), '--deletes', file('d4.json')]);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /^config: offers\[0\]/m);
  assert.equal(fs.existsSync(file('d4.json')), false);
});
