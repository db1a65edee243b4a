// The Worker on workerd (Miniflare) as a target of the end-to-end scenarios: the bundle the
// workers build produced, a fresh config loaded into its KV through the library, the signing
// keys as Worker vars (secrets in production), and private targets allowed for the stubs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configRecords } from '../../wasm/workers/config-records.mjs';
import { CLAIM_SHARDS, shardStub } from '../../wasm/workers/src/claims.mjs';
import { startWorker } from '../../deploy/cloudflare/local-workerd.mjs';
import { SIGNING_ENV } from './network.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bundleDir = process.env.EDGEPOST_WORKER_BUNDLE ?? path.join(repo, 'build/workers/wasm/workers/bundle');

async function shardEntries(namespace, shard) {
  // Miniflare's bridge to the test process occasionally drops a request on a loaded machine
  // ("fetch failed"); a listing is read-only, so asking again is safe.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await shardStub(namespace, shard).fetch('https://claims/', {
        method: 'POST', body: JSON.stringify({ op: 'list' }),
      });
      return (await response.json()).entries;
    } catch (error) {
      if (attempt === 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

// Every entry of the claim store (claims and outbox markers), read through the Durable
// Object binding from the test process: the Worker has no public route for it. Eight shards
// at a time: 64 requests at once through the bridge were what failed.
async function claimEntries(namespace) {
  const entries = [];
  for (let first = 0; first < CLAIM_SHARDS; first += 8) {
    const batch = Array.from({ length: Math.min(8, CLAIM_SHARDS - first) }, (_, i) => shardEntries(namespace, first + i));
    for (const shard of await Promise.all(batch)) entries.push(...shard);
  }
  return entries;
}

async function kvKeys(kv) {
  const keys = [];
  let cursor;
  do {
    const page = await kv.list(cursor ? { cursor } : {});
    keys.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys;
}

// -> the started worker plus storedKeys(), storedValue(key) and claimEntries() for the scenarios.
export async function startWorkerTarget({ config, vars = {}, queue = {} }) {
  const loaded = await configRecords(bundleDir, JSON.stringify(config));
  if (!loaded.ok) throw new Error(`config refused: ${loaded.errors.join('; ')}`);
  const worker = await startWorker({
    bundle: bundleDir,
    records: loaded.records,
    queue,
    vars: { ...SIGNING_ENV, ALLOW_PRIVATE_TARGETS: 'true', RETRY_BASE_SECONDS: '0', DELIVERY_TIMEOUT_MS: '1000', ...vars },
  });
  return {
    ...worker,
    storedKeys: async () => [...await kvKeys(worker.kv), ...(await claimEntries(worker.claimsNamespace)).map((e) => e.key)],
    storedValue: async (key) => (await claimEntries(worker.claimsNamespace)).find((e) => e.key === key)?.value
      ?? worker.kv.get(key),
    claimEntries: () => claimEntries(worker.claimsNamespace),
  };
}
