import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine } from '../src/engine-contract.mjs';
import { takeHostLines } from '../src/host-lines.mjs';

const ADD = '{"op":"add","file":"outbox%2Fc1-7","expires_at":1800000000,"value":"{\\"id\\":\\"c1-7\\"}"}';

test('the lines a run prints for its host are taken out of its events; malformed ones stay', () => {
  const stderr = [
    '{"type":"conversion","id":"a"}',
    'edgepost-enqueue 0123abcd-7',
    'edgepost-expires 1800000000 click%2Fabc',
    'edgepost-enqueue ../x',
    'edgepost-expires 0 click%2Fabc',
    'edgepost-expires 1800000000 ..%2Fx',
    'edgepost-expires 1800000000 click/abc',
    `edgepost-ledger ${ADD}`,
    'edgepost-ledger {"op":"put","file":"../x","expires_at":0,"value":"v"}',
    'edgepost-ledger {"op":"put","file":"conversion%2Fc1","expires_at":0,"value":"v"',
    'trap text',
    '',
  ].join('\n');
  assert.deepEqual(takeHostLines(stderr), {
    stderr: ['{"type":"conversion","id":"a"}', 'edgepost-enqueue ../x', 'edgepost-expires 0 click%2Fabc',
      'edgepost-expires 1800000000 ..%2Fx', 'edgepost-expires 1800000000 click/abc',
      'edgepost-ledger {"op":"put","file":"../x","expires_at":0,"value":"v"}',
      'edgepost-ledger {"op":"put","file":"conversion%2Fc1","expires_at":0,"value":"v"', 'trap text', ''].join('\n'),
    enqueued: ['0123abcd-7'],
    expiring: [{ name: 'click%2Fabc', expiresAt: 1800000000 }],
    ledger: { records: [{ op: 'add', file: 'outbox%2Fc1-7', expiresAt: 1800000000, value: '{"id":"c1-7"}' }], lines: [ADD], malformed: 2 },
  });
  const none = { records: [], lines: [], malformed: 0 };
  assert.deepEqual(takeHostLines('{"type":"click"}\n'), { stderr: '{"type":"click"}\n', enqueued: [], expiring: [], ledger: none });
  assert.deepEqual(takeHostLines(undefined), { stderr: '', enqueued: [], expiring: [], ledger: none });
});

test('a run that fails still hands over what it told its host, and the rest of its stderr', async () => {
  class TrappingEngine extends Engine {
    async run() {
      throw Object.assign(new Error('wasm trap: unreachable'), { stderr: 'edgepost-enqueue c1-7\n{"type":"conversion"}\ntrap\n' });
    }
  }
  const engine = new TrappingEngine({ kind: 'test', description: 'a trapping engine', kvDir: '/nonexistent' });
  const request = { method: 'GET', path: '/postback', query: '', headers: {}, body: '', remoteAddr: '127.0.0.1' };
  const error = await engine.cgi('postback', request).catch((e) => e);
  assert.equal(error.message, 'wasm trap: unreachable');
  assert.deepEqual([error.stderr, error.enqueued, error.expiring], ['{"type":"conversion"}\ntrap\n', ['c1-7'], []]);
});
