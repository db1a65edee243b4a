// Which partner postback URLs the Worker may call. Workers cannot reach private networks in
// production anyway; locally (tests, Miniflare) they can, so such targets are refused unless
// ALLOW_PRIVATE_TARGETS says otherwise. The rule is the library's (lib/partner_target.hpp):
// hostReason(host) asks it through the module's partner_target export. The URL parser has
// already normalised every IPv4 spelling (127.1, 2130706433, 0x7f000001) to a dotted quad and
// IPv6 to its compressed form. Names that resolve to private addresses cannot be checked here
// (Workers have no DNS API); the platform refuses to connect to them.
export function refusedTarget(urlText, env, hostReason) {
  let url;
  try {
    url = new URL(urlText);
  } catch {
    return `not a valid URL: ${urlText}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol}`;
  if (url.username || url.password) return 'URL with user name or password refused';
  if (env.ALLOW_PRIVATE_TARGETS === 'true') return null;
  const why = hostReason(url.hostname);
  return why === null ? null : `private target refused: ${url.hostname} (${why})`;
}
