// The ledger in Durable Objects: claims, conversion records and outbox entries (the library's
// exchange decides what goes in; this is the store).
//
// Why a Durable Object: KV has no write-if-absent and is eventually consistent, so two
// copies of a postback arriving at once in two places would both "win". A Durable Object
// is one single-threaded instance worldwide; its put-if-absent is atomic.
//
// Which object holds a key: the key's shard, CLAIM_SHARDS objects named "claims-<n>" by a
// hash of the key. Each key therefore lives in exactly one object, so put-if-absent is
// atomic per key, which is all the protocol needs: the library takes a conversion's claims
// one by one, in order, and never releases one (docs/protocol.md). Routing a whole
// conversion to one object instead would not protect the order claim (advertiser, goal and
// adv_sub), which two different clicks can share. Sharding spreads the load;
// the count must never change once deployed, or keys would move to other objects.
import { EXPIRY_PREFIX, indexExpiry, sweepExpired } from './expiry-index.mjs';

export const CLAIM_SHARDS = 64;

// FNV-1a, 32 bits: stable, cheap, evenly spread for these keys.
export function shardOf(key) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % CLAIM_SHARDS;
}

export function shardStub(namespace, shard) {
  return namespace.get(namespace.idFromName(`claims-${shard}`));
}

async function ask(namespace, key, message) {
  const response = await shardStub(namespace, shardOf(key)).fetch('https://claims/', {
    method: 'POST',
    body: JSON.stringify({ ...message, key }),
  });
  if (!response.ok) throw new Error(`claim store answered ${response.status}: ${await response.text()}`);
  return response.json();
}

// The Worker's view: { won, value } / value or null / nothing. They throw when the store fails.
export const claims = {
  putIfAbsent: (ns, key, value, expires) => ask(ns, key, { op: 'put_if_absent', value, expires }),
  get: async (ns, key) => (await ask(ns, key, { op: 'get' })).value,
  set: (ns, key, value, expires) => ask(ns, key, { op: 'set', value, expires }),
  remove: (ns, key) => ask(ns, key, { op: 'remove' }),
  // An outbox entry's delivery lease: { won, value } (see outbox-consumer.mjs).
  lease: (ns, key, seconds) => ask(ns, key, { op: 'lease', seconds }),
};

// Whether an outbox entry may be sent now: pending, and no other delivery holds its lease.
function leasable(value, now) {
  try {
    const entry = JSON.parse(value);
    return (entry.state ?? 'pending') === 'pending' && !((entry.lease_until ?? 0) > now) ? entry : null;
  } catch {
    return null;
  }
}

// expires: Unix seconds, 0 for never. An expired entry counts as absent.
function live(entry, now) {
  return entry && (!entry.expires || entry.expires > now) ? entry : null;
}

export class ClaimStore {
  constructor(state) {
    this.state = state;
  }

  async alarm() {
    await sweepExpired(this.state.storage, Math.floor(Date.now() / 1000));
  }

  // Only reachable through the CLAIMS binding, never from the Internet.
  async fetch(request) {
    const message = await request.json();
    const storage = this.state.storage;
    const now = Math.floor(Date.now() / 1000);
    switch (message.op) {
      case 'put_if_absent':
        // blockConcurrencyWhile: no other request of this object runs between get and put.
        return Response.json(await this.state.blockConcurrencyWhile(async () => {
          const existing = live(await storage.get(message.key), now);
          if (existing) return { won: false, value: existing.value };
          await storage.put(message.key, { value: message.value, expires: message.expires || 0 });
          await indexExpiry(storage, message.key, message.expires);
          return { won: true };
        }));
      case 'lease':
        return Response.json(await this.state.blockConcurrencyWhile(async () => {
          const existing = live(await storage.get(message.key), now);
          const entry = existing && leasable(existing.value, now);
          if (!entry) return { won: false };
          const value = JSON.stringify({ ...entry, lease_until: now + message.seconds });
          await storage.put(message.key, { value, expires: existing.expires });
          return { won: true, value };
        }));
      case 'get':
        return Response.json({ value: live(await storage.get(message.key), now)?.value ?? null });
      case 'set':
        await storage.put(message.key, { value: message.value, expires: message.expires || 0 });
        await indexExpiry(storage, message.key, message.expires);
        return Response.json({});
      case 'remove':
        await storage.delete(message.key);
        return Response.json({});
      case 'list': {
        // For operators and tests (through the binding): every live entry of this shard.
        const entries = [];
        for (const [key, entry] of await storage.list()) {
          if (!key.startsWith(EXPIRY_PREFIX) && live(entry, now)) entries.push({ key, value: entry.value });
        }
        return Response.json({ entries });
      }
      case 'count':
        // For tests: every key stored, expired or not, index keys included.
        return Response.json({ count: (await storage.list()).size });
      default:
        return new Response(`unknown op ${message.op}`, { status: 400 });
    }
  }
}
