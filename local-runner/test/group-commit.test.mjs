import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GroupCommit } from '../src/group-commit.mjs';

// A sync that takes `ms` and records, for each sync, how many writes had happened when it began.
function slowSync(ms, state) {
  return async () => {
    const covers = state.written;
    await sleep(ms);
    state.durableUpTo = covers;
  };
}

test('callers waiting at the same time share one sync', async () => {
  const state = { written: 0, durableUpTo: 0 };
  const commit = new GroupCommit(slowSync(20, state));
  const first = commit.durable();  // starts a sync at once: nobody else is waiting
  await sleep(1);
  const rest = Array.from({ length: 49 }, () => commit.durable());
  await Promise.all([first, ...rest]);
  assert.equal(commit.syncs, 2, 'the 49 that came during the first sync share the second');
  assert.equal(commit.waiters, 50);
});

test('a caller that asks while a sync runs waits for the next one, which covers its write', async () => {
  const state = { written: 0, durableUpTo: 0 };
  const commit = new GroupCommit(slowSync(20, state));
  state.written = 1;
  const first = commit.durable();
  await sleep(5);
  state.written = 2;  // after the first sync began: it cannot have covered this
  const second = commit.durable();
  await first;
  assert.equal(state.durableUpTo, 1);
  await second;
  assert.equal(state.durableUpTo, 2, 'resolved only after a sync that began after its write');
  assert.equal(commit.syncs, 2);
});

test('a failed sync fails its own group only; the next group gets a sync of its own', async () => {
  let calls = 0;
  const commit = new GroupCommit(async () => {
    calls += 1;
    await sleep(10);
    if (calls === 1) throw new Error('EIO');
  });
  const failed = commit.durable();
  await sleep(1);
  const next = commit.durable();
  await assert.rejects(failed, /EIO/);
  await next;
  assert.equal(calls, 2);
  await commit.durable();
  assert.equal(calls, 3, 'idle again: a new caller starts a sync at once');
});

test('drain waits for the sync under way and the one queued behind it', async () => {
  const done = [];
  let n = 0;
  const commit = new GroupCommit(async () => {
    const mine = ++n;
    await sleep(10);
    done.push(mine);
  });
  commit.durable();
  await sleep(1);
  commit.durable();
  await commit.drain();
  assert.deepEqual(done, [1, 2]);
});
