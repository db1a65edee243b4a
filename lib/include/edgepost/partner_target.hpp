#pragma once
// Which addresses a partner postback may be sent to. Partner postback URLs come from config
// that affiliates influence, so without this check a postback could probe the host's own
// network (SSRF): loopback admin ports, cloud metadata at 169.254.169.254, the office LAN.
// The one policy of every host: the runner applies it to each address a name resolves to
// (local-runner/src/target-policy.mjs), the Worker to IP-literal hosts (Workers have no DNS
// API, and the platform refuses private destinations itself).

#include <optional>
#include <string_view>

#include "edgepost/ip_address.hpp"

namespace edgepost {

// nullopt for a public unicast address; otherwise why a partner postback may not go there:
// everything not routable on the public internet, or not unicast ("loopback", "private",
// "link-local", "multicast", "reserved", ...). IPv6 forms that carry an IPv4 destination
// (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that IPv4
// address.
std::optional<std::string_view> non_public_reason(const IpAddress& address) noexcept;

// The same for the host of a URL as a URL parser gives it (lowercase; IPv6 in brackets):
// an IP literal is judged as above; "localhost" and names under ".localhost" always mean the
// local host (RFC 6761), with or without a final dot; any other name is nullopt (it has to be
// resolved, and each of its addresses judged).
std::optional<std::string_view> non_public_host_reason(std::string_view host) noexcept;

}  // namespace edgepost
