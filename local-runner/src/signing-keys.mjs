// The key ring the click function mints transaction IDs with (docs/transaction-id.md):
// EDGEPOST_SIGNING_KEYS = "id:hexsecret[,id:hexsecret...]", EDGEPOST_SIGNING_KEY_ID = the id
// that mints. Taken from the environment; without one, `serve` keeps a generated key in
// DATA/signing-key so that IDs minted before a restart still verify after it.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const MIN_SECRET_HEX = 64;  // 32 bytes
export const KEY_FILE = 'signing-key';

// "1:abcd...,2:ef01..." -> [{ id, secretHex }]; throws with the first problem found.
export function parseKeyRing(text, source = 'EDGEPOST_SIGNING_KEYS') {
  const keys = [];
  for (const [index, part] of String(text).split(',').entries()) {
    const entry = part.trim();
    const match = /^(\d{1,2}):([0-9a-fA-F]*)$/.exec(entry);
    if (!match) throw new Error(`${source}: entry ${index + 1} is not "id:hexsecret"`);
    const id = Number(match[1]);
    const secretHex = match[2];
    if (id > 15) throw new Error(`${source}: key id ${id} is outside 0..15`);
    if (secretHex.length < MIN_SECRET_HEX || secretHex.length % 2 !== 0) {
      throw new Error(`${source}: the secret of key ${id} must be at least 32 bytes, written as an even number ` +
        `of at least ${MIN_SECRET_HEX} hex digits (it has ${secretHex.length})`);
    }
    if (keys.some((key) => key.id === id)) throw new Error(`${source}: key id ${id} appears twice`);
    keys.push({ id, secretHex });
  }
  return keys;
}

export function formatKeyRing(keys) {
  return keys.map(({ id, secretHex }) => `${id}:${secretHex}`).join(',');
}

// From the environment when it has keys. -> { env, message } or null when it has none.
export function keysFromEnvironment(environment) {
  const ringText = environment.EDGEPOST_SIGNING_KEYS;
  const idText = environment.EDGEPOST_SIGNING_KEY_ID;
  if (!ringText) {
    if (idText) throw new Error('EDGEPOST_SIGNING_KEY_ID is set but EDGEPOST_SIGNING_KEYS is not');
    return null;
  }
  const keys = parseKeyRing(ringText);
  let mintingId;
  if (idText === undefined || idText === '') {
    if (keys.length !== 1) throw new Error('EDGEPOST_SIGNING_KEY_ID is required when EDGEPOST_SIGNING_KEYS holds several keys');
    mintingId = keys[0].id;
  } else {
    if (!/^\d{1,2}$/.test(idText)) throw new Error(`EDGEPOST_SIGNING_KEY_ID=${idText} is not a key id (0..15)`);
    mintingId = Number(idText);
    if (!keys.some((key) => key.id === mintingId)) {
      throw new Error(`EDGEPOST_SIGNING_KEY_ID=${mintingId} names no key of EDGEPOST_SIGNING_KEYS`);
    }
  }
  return {
    env: { EDGEPOST_SIGNING_KEYS: formatKeyRing(keys), EDGEPOST_SIGNING_KEY_ID: String(mintingId) },
    message: `signing keys: from the environment (key ids ${keys.map((k) => k.id).join(', ')}; minting with ${mintingId})`,
  };
}

// The environment's keys, else DATA/signing-key, created (mode 0600) on first use.
// -> { env: { EDGEPOST_SIGNING_KEYS, EDGEPOST_SIGNING_KEY_ID }, message }
export function resolveSigningKeys(dataDir, environment = process.env) {
  const fromEnvironment = keysFromEnvironment(environment);
  if (fromEnvironment) return fromEnvironment;

  const file = path.join(dataDir, KEY_FILE);
  let created = false;
  try {
    const ring = formatKeyRing([{ id: 1, secretHex: crypto.randomBytes(32).toString('hex') }]);
    // 'wx': two runners starting on one data directory must not each write a different key.
    fs.writeFileSync(file, `${ring}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  } catch (error) {
    if (error.code !== 'EEXIST') throw new Error(`cannot create ${file}: ${error.message}`);
  }
  return keysFromFile(file, created);
}

// The keys a running or past serve used, never new ones (an ID is checked, not minted).
export function existingSigningKeys(dataDir, environment = process.env) {
  const fromEnvironment = keysFromEnvironment(environment);
  if (fromEnvironment) return fromEnvironment;
  const file = path.join(dataDir, KEY_FILE);
  if (!fs.existsSync(file)) throw new Error(`no signing keys: EDGEPOST_SIGNING_KEYS is not set and ${file} does not exist`);
  return keysFromFile(file, false);
}

function keysFromFile(file, created) {
  const keys = parseKeyRing(fs.readFileSync(file, 'utf8').trim(), file);
  const mode = fs.statSync(file).mode & 0o777;
  const warning = mode & 0o077 ? ` (warning: ${file} is readable by others, mode ${mode.toString(8)}; chmod 600 it)` : '';
  return {
    env: { EDGEPOST_SIGNING_KEYS: formatKeyRing(keys), EDGEPOST_SIGNING_KEY_ID: String(keys[0].id) },
    message: created
      ? `signing key: none in the environment; generated key ${keys[0].id} and saved it in ${file} (mode 600)`
      : `signing key: none in the environment; using key ${keys[0].id} from ${file}${warning}`,
  };
}
