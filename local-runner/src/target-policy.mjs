// Which addresses a partner postback may be sent to. Partner postback URLs come from config that
// affiliates influence, so without this check a postback could probe the runner's own network
// (SSRF): loopback admin ports, cloud metadata at 169.254.169.254, the office LAN.
//
// The check is made on every address the name resolves to, and the connection is then made to
// the checked address itself: resolving again at connect time would let a DNS answer with a
// short TTL switch to a private address in between (DNS rebinding).

import dns from 'node:dns';
import net from 'node:net';

// [network, prefix, why]. Everything not routable on the public internet, or not unicast.
const IPV4_RANGES = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const IPV6_RANGES = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible (deprecated)'],
  ['100::', 64, 'discard-only'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
];

const blocked = { ipv4: [], ipv6: [] };
for (const [network, prefix, why] of IPV4_RANGES) {
  const list = new net.BlockList();
  list.addSubnet(network, prefix, 'ipv4');
  blocked.ipv4.push({ list, why });
}
for (const [network, prefix, why] of IPV6_RANGES) {
  const list = new net.BlockList();
  list.addSubnet(network, prefix, 'ipv6');
  blocked.ipv6.push({ list, why });
}

// The 16 bytes of an IPv6 address (any textual form, including a dotted IPv4 tail).
function ipv6Bytes(address) {
  let text = address.replace(/%.*$/, '');  // zone id
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === null ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array(zeros).fill('0'), ...tailGroups];
  const bytes = [];
  for (const group of groups) {
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}

// IPv6 forms that carry an IPv4 address the packets actually go to.
function embeddedIpv4(address) {
  const b = ipv6Bytes(address);
  const prefixIs = (values) => values.every((v, i) => b[i] === v);
  const mapped = prefixIs([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);  // ::ffff:a.b.c.d
  const nat64 = prefixIs([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]);  // 64:ff9b::a.b.c.d
  if (mapped || nat64) return b.slice(12).join('.');
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6).join('.');  // 6to4 2002:a.b.c.d::/48
  return null;
}

// null when `address` is a public unicast address, else a short reason ("loopback").
export function nonPublicReason(address) {
  const family = net.isIP(address);
  if (family === 4) {
    return blocked.ipv4.find(({ list }) => list.check(address, 'ipv4'))?.why ?? null;
  }
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== null) {
      const why = nonPublicReason(v4);
      return why === null ? null : `${why} (IPv4 ${v4} inside IPv6)`;
    }
    return blocked.ipv6.find(({ list }) => list.check(address, 'ipv6'))?.why ?? null;
  }
  return 'not an IP address';
}

export const isPublicAddress = (address) => nonPublicReason(address) === null;

export async function lookupAll(hostname) {
  return dns.promises.lookup(hostname, { all: true, verbatim: true });
}

export class TargetRefused extends Error {
  name = 'TargetRefused';
}

// Resolves `hostname` once and returns the address to connect to ({ address, family }).
// Refuses (TargetRefused) when any address it resolves to is not public, unless allowPrivate.
export async function resolveTarget(hostname, { allowPrivate = false, lookup = lookupAll } = {}) {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const family = net.isIP(bare);
  const addresses = family ? [{ address: bare, family }] : await lookup(bare);
  if (addresses.length === 0) throw new Error(`${bare} resolves to no address`);
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const why = nonPublicReason(address);
      if (why !== null) {
        throw new TargetRefused(`private target refused: ${bare} resolves to ${address} (${why})`);
      }
    }
  }
  return addresses[0];
}
