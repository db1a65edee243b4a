// A second, independent implementation of docs/transaction-id.md, for tests that need IDs
// the click function would not mint (clicks in the past, other keys). It also checks the
// document against the C++ implementation: IDs from either must verify in the other.
import crypto from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function base32(bytes) {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

// keyHex: the key's secret as hex, as in EDGEPOST_SIGNING_KEYS.
export function mintClickId({ keyId, keyHex, clickTime, offerId, affiliateId, nonce = crypto.randomBytes(8) }) {
  const signed = Buffer.alloc(21);
  signed[0] = (1 << 4) | keyId;
  signed.writeUInt32BE(clickTime, 1);
  signed.writeUInt32BE(offerId, 5);
  signed.writeUInt32BE(affiliateId, 9);
  nonce.copy(signed, 13);
  const mac = crypto.createHmac('sha256', Buffer.from(keyHex, 'hex')).update(signed).digest().subarray(0, 8);
  return base32(Buffer.concat([signed, mac]));
}
