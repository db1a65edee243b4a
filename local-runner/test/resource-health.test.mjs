import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exhaustedResource, ResourceHealth } from '../src/resource-health.mjs';

const emfile = () => Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });

test('exhaustion is told apart from every other error', () => {
  assert.match(exhaustedResource(emfile()), /open files .*EMFILE/);
  assert.match(exhaustedResource({ code: 'UVWASI_EMFILE' }), /open files/);
  assert.match(exhaustedResource({ code: 'ERR_WORKER_OUT_OF_MEMORY' }), /memory \(a WASI thread/);
  assert.match(exhaustedResource({ code: 'ENFILE' }), /system-wide/);
  assert.match(exhaustedResource(new RangeError('WebAssembly.instantiate(): Out of memory: Cannot allocate Wasm memory')), /^memory/);
  assert.equal(exhaustedResource(new Error('malformed CGI header line')), null);
  assert.equal(exhaustedResource({ code: 'ENOENT' }), null);
  assert.equal(exhaustedResource(new RangeError('Invalid array length')), null);
  assert.equal(exhaustedResource(undefined), null);
});

test('failures are logged at once, then once a minute with the count; a success ends them', () => {
  let now = 1_000_000;
  const lines = [];
  const health = new ResourceHealth({ log: (line) => lines.push(line), probe: () => {}, now: () => now });
  assert.equal(health.failed(new Error('other'), 'GET /click'), false, 'not an exhaustion: not counted');
  assert.equal(lines.length, 0);
  assert.equal(health.failed(emfile(), 'GET /click'), true);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^resource exhausted: open files .*1 failure\(s\)/);
  for (let i = 0; i < 500; i += 1) {
    now += 100;  // 50 s of failures
    health.failed(emfile(), 'GET /click');
  }
  assert.equal(lines.length, 1, 'not once per request');
  now += 10_001;
  health.failed(emfile(), 'POST /postback');
  assert.equal(lines.length, 2, 'once more after a minute');
  assert.match(lines[1], /501 failure\(s\) since .*latest: POST \/postback.*502 since/);
  health.succeeded();
  assert.match(lines[2], /^resource recovered: .*502 failure\(s\) over 60\.0 s/);
  health.succeeded();
  assert.equal(lines.length, 3, 'nothing to say while healthy');
});

test('check() is unhealthy while the probe fails, and for 10 s after a request failed, until a success', () => {
  let probeFails = true;
  let now = 5_000_000;
  const lines = [];
  const health = new ResourceHealth({ log: (line) => lines.push(line), now: () => now, probe: () => { if (probeFails) throw emfile(); } });
  const failing = health.check();
  assert.equal(failing.ok, false);
  assert.match(failing.resource, /open files/);
  assert.equal(failing.failures, 1);
  assert.equal(health.check().failures, 2);
  probeFails = false;
  now += 9_000;
  assert.equal(health.check().ok, false, 'the probe works, but the last failure is recent');
  now += 1_000;
  assert.deepEqual(health.check(), { ok: true });
  assert.match(lines.at(-1), /^resource recovered/);

  health.failed(emfile(), 'GET /click');  // a request needs more descriptors than the probe
  assert.equal(health.check().ok, false);
  health.succeeded();
  assert.deepEqual(health.check(), { ok: true });
});

test('check() does not hide a probe error that is not exhaustion', () => {
  const health = new ResourceHealth({ log: () => {}, probePath: '/nonexistent/edgepost-probe' });
  assert.throws(() => health.check(), /ENOENT/);
});
