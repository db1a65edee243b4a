// Validates a config with the library and turns it into Workers KV bulk files: the records to
// write and, given the config keys stored now, the keys to delete (entities no longer in the
// config; without the delete a removed offer would keep taking clicks):
//   wrangler kv key list --binding KV --remote --prefix config/ > stored-keys.json
//   node deploy/cloudflare/kv-bulk.mjs config.json --stored stored-keys.json --deletes kv-delete.json \
//     [--bundle build/workers/wasm/workers/bundle] > kv-bulk.json
//   wrangler kv bulk put --binding KV --remote kv-bulk.json
//   wrangler kv bulk delete --binding KV --remote kv-delete.json
// Writes first, deletes after: a failure in between leaves the old entities, never none.
// --stored takes wrangler's listing ([{"name": key}, ...]) or a JSON array of key strings.
// On errors prints the library's messages ("offers[2].goals[0]: ...") and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configRecords } from '../../wasm/workers/config-records.mjs';

const USAGE = 'usage: kv-bulk.mjs config.json [--stored stored-keys.json --deletes kv-delete.json] [--bundle dir] > kv-bulk.json';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function usage(message) {
  console.error(`kv-bulk: ${message}\n${USAGE}`);
  process.exit(2);
}

// wrangler's key listing or a list of strings -> [key]
function readStoredKeys(file) {
  let listing;
  try {
    listing = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    usage(`--stored ${file}: ${error.message}`);
  }
  if (!Array.isArray(listing)) usage(`--stored ${file}: not a JSON array`);
  return listing.map((entry, i) => {
    const key = typeof entry === 'string' ? entry : entry?.name;
    if (typeof key !== 'string') usage(`--stored ${file}: entry ${i} is neither a key nor {"name": key}`);
    return key;
  });
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { bundle: { type: 'string' }, stored: { type: 'string' }, deletes: { type: 'string' } },
  });
} catch (error) {
  usage(error.message);
}
const { values, positionals } = parsed;
if (positionals.length !== 1) usage('one config file is needed');
if (Boolean(values.stored) !== Boolean(values.deletes)) usage('--stored and --deletes go together');
const bundle = path.resolve(values.bundle ?? path.join(repo, 'build/workers/wasm/workers/bundle'));
const stored = values.stored ? readStoredKeys(values.stored) : [];

const loaded = await configRecords(bundle, fs.readFileSync(positionals[0], 'utf8'), stored);
if (!loaded.ok) {
  for (const error of loaded.errors) console.error(`config: ${error}`);
  process.exit(1);
}
// No expiration: config records stay until the next upload replaces or deletes them.
process.stdout.write(`${JSON.stringify(loaded.records.map(({ key, value }) => ({ key, value })), null, 1)}\n`);
if (values.deletes) fs.writeFileSync(values.deletes, `${JSON.stringify(loaded.deletes, null, 1)}\n`);
console.error(`kv-bulk: ${loaded.records.length} records to write` +
  (values.deletes ? `, ${loaded.deletes.length} to delete (${values.deletes})` : ' (no --stored: nothing deleted)'));
