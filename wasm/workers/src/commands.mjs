// The Worker's side of the exchange loop: one command of the library's exchange
// (lib/include/edgepost/exchange_wire.hpp) carried out on the platform, and its outcome.
// Decides nothing: which command, in which order, and what an outcome means is the library's.
//
// records: Workers KV (config and click records). ledger: the ClaimStore Durable Objects
// (claims.mjs), whose put_if_absent is atomic per key. enqueue: the partner Queue, a wake-up
// for the outbox entry the exchange wrote in the ledger (outbox-consumer.mjs). emit: the
// console and the events Queue (event-sink.mjs).
import { claims } from './claims.mjs';
import { sendEvent } from './event-sink.mjs';
import { RecordCache } from './record-cache.mjs';

const KV_MIN_TTL = 60;  // Workers KV refuses expirationTtl below 60 s

// Copies of KV records, per isolate. Only the records store has copies: the library never
// allows one for the ledger, and a copy of a claim must not exist even by mistake.
const recordCache = new RecordCache();

async function read(command, env) {
  const get = command.store === 'ledger' ? (key) => claims.get(env.CLAIMS, key) : (key) => env.KV.get(key);
  const readAll = (keys) => Promise.all(keys.map(get));
  const found = command.store === 'records' && command.max_age > 0
    ? await recordCache.read(command.keys, command.max_age, readAll)
    : await readAll(command.keys);
  const values = {};
  command.keys.forEach((key, i) => { if (found[i] !== null && found[i] !== undefined) values[key] = found[i]; });
  return { kind: 'done', values };
}

async function putIfAbsent(command, env) {
  if (command.store !== 'ledger') return { kind: 'failed', error: 'put_if_absent needs the ledger' };
  const now = Math.floor(Date.now() / 1000);
  const expires = command.ttl > 0 ? now + command.ttl : 0;
  const result = await claims.putIfAbsent(env.CLAIMS, command.key, command.value, expires);
  return result.won ? { kind: 'won' } : { kind: 'exists', existing: result.value ?? '' };
}

async function put(command, env) {
  if (command.store === 'ledger') {
    const expires = command.ttl > 0 ? Math.floor(Date.now() / 1000) + command.ttl : 0;
    await claims.set(env.CLAIMS, command.key, command.value, expires);
  } else {
    await env.KV.put(command.key, command.value,
      command.ttl > 0 ? { expirationTtl: Math.max(KV_MIN_TTL, command.ttl) } : {});
    recordCache.forget(command.key);  // this isolate's next read sees its own write
  }
  return { kind: 'done' };
}

async function remove(command, env) {
  await (command.store === 'ledger' ? claims.remove(env.CLAIMS, command.key) : env.KV.delete(command.key));
  if (command.store === 'records') recordCache.forget(command.key);
  return { kind: 'done' };
}

async function list(command, env) {
  if (command.store !== 'records') return { kind: 'failed', error: 'list needs the records store' };
  const keys = [];
  let cursor;
  do {
    const page = await env.KV.list({ prefix: command.prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return { kind: 'done', keys };
}

const HANDLERS = {
  read,
  respond: async () => ({ kind: 'done' }),  // the loop has sent it already
  put_if_absent: putIfAbsent,
  put,
  remove,
  list,
  enqueue: async (command, env) => {
    await env.PARTNER_QUEUE.send(command.postback);
    return { kind: 'done' };
  },
  emit: async (command, env) => {
    await sendEvent(env, JSON.parse(command.event));
    return { kind: 'done' };
  },
};

// -> the outcome; never throws: a platform failure is the outcome "failed".
export async function execute(command, env) {
  const handler = HANDLERS[command.kind];
  if (!handler) return { kind: 'failed', error: `no such command: ${command.kind}` };
  try {
    return await handler(command, env);
  } catch (error) {
    return { kind: 'failed', error: String(error?.message ?? error) };
  }
}
