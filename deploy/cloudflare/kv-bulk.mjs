// Validates a config with the library and turns it into a Workers KV bulk-upload file:
//   node deploy/cloudflare/kv-bulk.mjs config.json [--bundle build/workers/wasm/workers/bundle] > kv-bulk.json
//   wrangler kv bulk put --binding KV kv-bulk.json
// On errors prints the library's messages ("offers[2].goals[0]: ...") and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configRecords } from '../../wasm/workers/config-records.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const at = args.indexOf('--bundle');
const bundle = at >= 0 ? path.resolve(args[at + 1]) : path.join(repo, 'build/workers/wasm/workers/bundle');
const configFile = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--bundle');
if (!configFile) {
  console.error('usage: kv-bulk.mjs config.json [--bundle dir] > kv-bulk.json');
  process.exit(2);
}
const loaded = await configRecords(bundle, fs.readFileSync(configFile, 'utf8'));
if (!loaded.ok) {
  for (const error of loaded.errors) console.error(`config: ${error}`);
  process.exit(1);
}
// No expiration: config records stay until the next upload replaces them.
process.stdout.write(`${JSON.stringify(loaded.records.map(({ key, value }) => ({ key, value })), null, 1)}\n`);
console.error(`kv-bulk: ${loaded.records.length} records`);
