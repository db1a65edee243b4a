// Which addresses a partner postback may be sent to. Partner postback URLs come from config that
// affiliates influence, so without this check a postback could probe the runner's own network
// (SSRF): loopback admin ports, cloud metadata at 169.254.169.254, the office LAN. The rule is
// the library's (lib/partner_target.hpp), the same the Worker applies, asked through the
// partner-target.wasm command; this module resolves names and pins the connection.
//
// The check is made on every address the name resolves to, and the connection is then made to
// the checked address itself: resolving again at connect time would let a DNS answer with a
// short TTL switch to a private address in between (DNS rebinding).

import dns from 'node:dns';
import net from 'node:net';

export async function lookupAll(hostname) {
  return dns.promises.lookup(hostname, { all: true, verbatim: true });
}

export class TargetRefused extends Error {
  name = 'TargetRefused';
}

// The library's verdicts through an engine (engine.mjs) that has loaded partner-target:
// -> judge(hosts) resolving to one verdict per host: null where a partner postback may go,
// otherwise the reason ("loopback", "private", ...).
export function targetJudge(engine) {
  return async (hosts) => {
    const run = await engine.command('partner-target', { stdin: hosts.join('\n') });
    const verdicts = run.stdout.split('\n').slice(0, hosts.length);
    if (run.exitCode !== 0 || verdicts.length !== hosts.length || verdicts.includes('')) {
      throw new Error(`partner-target.wasm failed (exit code ${run.exitCode}): ${run.stderr.trim()}`);
    }
    return verdicts.map((verdict) => (verdict === '-' ? null : verdict));
  };
}

// Resolves `hostname` once and returns the address to connect to ({ address, family }).
// Unless allowPrivate, refuses (TargetRefused) a name that always means this host (localhost)
// and a name any of whose addresses is not public, as judge (targetJudge) says.
export async function resolveTarget(hostname, { allowPrivate = false, lookup = lookupAll, judge } = {}) {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const family = net.isIP(bare);
  const addresses = family ? [{ address: bare, family }] : await lookup(bare);
  if (addresses.length === 0) throw new Error(`${bare} resolves to no address`);
  if (!allowPrivate) {
    if (!judge) throw new Error('private targets are refused, but no partner-target policy was given to check them');
    const names = family ? [] : [bare];
    const verdicts = await judge([...names, ...addresses.map(({ address }) => address)]);
    if (names.length && verdicts[0] !== null) throw new TargetRefused(`private target refused: ${bare} (${verdicts[0]})`);
    addresses.forEach(({ address }, i) => {
      const why = verdicts[names.length + i];
      if (why !== null) throw new TargetRefused(`private target refused: ${bare} resolves to ${address} (${why})`);
    });
  }
  return addresses[0];
}
