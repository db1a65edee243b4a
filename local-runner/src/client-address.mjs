// The client address of a request: the TCP peer, or what a trusted proxy says it saw
// (--trusted-proxy CIDR ...). X-Forwarded-For from anyone else is whatever the client wants.

import net from 'node:net';

// The TCP peer, never a header: X-Forwarded-For is whatever the client wants it to be.
export function clientAddress(socket) {
  const address = socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

// "10.0.0.0/8", "2001:db8::/32" or a bare address -> { address, prefix, family }; throws
// with a sentence naming the value when it is not a CIDR range.
export function parseCidr(text) {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = net.isIP(address);
  if (family === 0) throw new Error(`"${text}" is not an IP address or CIDR range`);
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new Error(`"${text}": the prefix length must be 0 to ${max}`);
  }
  return { address, prefix: Number(prefixText), family: family === 4 ? 'ipv4' : 'ipv6' };
}

// The trusted proxies of a deployment (--trusted-proxy): CIDR texts -> a predicate on addresses.
export function trustedProxyList(cidrs = []) {
  if (cidrs.length === 0) return () => false;
  const list = new net.BlockList();
  for (const text of cidrs) {
    const { address, prefix, family } = parseCidr(text);
    list.addSubnet(address, prefix, family);
  }
  return (address) => {
    const family = net.isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function normalizeAddress(text) {
  const address = text.trim();
  const bare = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  return net.isIP(bare) ? bare : null;
}

// REMOTE_ADDR for a request. Without trusted proxies, the TCP peer. When the peer is a trusted
// proxy, the right-most X-Forwarded-For address that is not itself a trusted proxy (the one the
// nearest trusted proxy saw); addresses left of it were written by the client and are ignored.
// A malformed entry stops the walk: the last trusted hop is then the client address.
export function requestAddress(peer, forwardedFor, isTrusted) {
  if (!isTrusted(peer) || forwardedFor === undefined) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let address = peer;
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = normalizeAddress(hops[i]);
    if (hop === null) return address;
    address = hop;
    if (!isTrusted(hop)) return hop;
  }
  return address;  // every hop is a trusted proxy: the left-most is the closest to a client
}

// The visitor's country for the traffic rules, as a trusted proxy placed it in CF-IPCountry
// (Cloudflare's header; other CDNs can be told to send the same). From anyone else the header
// is whatever the client wants, so it is ignored: '' means unknown. The library decides what
// counts as a country code.
export function requestCountry(peer, headers, isTrusted) {
  const value = isTrusted(peer) ? headers['cf-ipcountry'] : undefined;
  return typeof value === 'string' ? value : '';
}
