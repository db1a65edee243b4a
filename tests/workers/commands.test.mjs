// The Worker's command executor (wasm/workers/src/commands.mjs) on fake bindings: which reads
// may come from the isolate's copies, and that its own writes are not hidden by one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execute } from '../../wasm/workers/src/commands.mjs';

function fakeEnv() {
  const kv = new Map([['config/offer/1', 'offer v1']]);
  const reads = { kv: 0, ledger: 0 };
  const env = {
    KV: {
      get: async (key) => { reads.kv += 1; return kv.get(key) ?? null; },
      put: async (key, value) => { kv.set(key, value); },
      delete: async (key) => { kv.delete(key); },
    },
    CLAIMS: {
      idFromName: (name) => name,
      get: () => ({ fetch: async () => { reads.ledger += 1; return Response.json({ value: 'conversion-1' }); } }),
    },
  };
  return { env, reads };
}

const read = (store, keys, maxAge) => ({ kind: 'read', store, keys, ...(maxAge === undefined ? {} : { max_age: maxAge }) });

test('commands: a records read with a max age is answered from the copy; without one it reads KV', async () => {
  const { env, reads } = fakeEnv();
  const key = 'config/offer/1';
  const asked = read('records', [key, 'capped/offer/1'], 30);
  assert.deepEqual(await execute(asked, env), { kind: 'done', values: { [key]: 'offer v1' } });
  assert.deepEqual(await execute(asked, env), { kind: 'done', values: { [key]: 'offer v1' } });
  assert.equal(reads.kv, 2, 'two keys read once');
  await execute(read('records', [key]), env);
  await execute(read('records', [key], 0), env);
  assert.equal(reads.kv, 4);
});

test('commands: the ledger is never read from a copy, whatever the command says', async () => {
  const { env, reads } = fakeEnv();
  const asked = read('ledger', ['claim/transaction/t1'], 30);
  for (let i = 0; i < 2; i += 1) {
    assert.deepEqual(await execute(asked, env), { kind: 'done', values: { 'claim/transaction/t1': 'conversion-1' } });
  }
  assert.equal(reads.ledger, 2);
});

test('commands: after this isolate puts or removes a record, its next read sees the change', async () => {
  const { env } = fakeEnv();
  const key = 'capped/offer/1';
  const asked = read('records', [key], 30);
  assert.deepEqual((await execute(asked, env)).values, {});
  await execute({ kind: 'put', store: 'records', key, value: 'closed', ttl: 0 }, env);
  assert.deepEqual((await execute(asked, env)).values, { [key]: 'closed' });
  await execute({ kind: 'remove', store: 'records', key }, env);
  assert.deepEqual((await execute(asked, env)).values, {});
});
